package io.keepwatch.agent;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits for a condition with a deadline; polls, never sleeps a fixed time before looking. */
public final class Await {

  private Await() {}

  /**
   * Polls every 10 ms until {@code condition} holds; fails with {@code what} and the last value.
   */
  public static <T> T until(
      Duration deadline,
      String what,
      Supplier<T> value,
      java.util.function.Predicate<T> condition) {
    long end = System.nanoTime() + deadline.toNanos();
    T last = value.get();
    while (!condition.test(last)) {
      if (System.nanoTime() > end) {
        throw new AssertionError(
            "after " + deadline.toMillis() + " ms still not " + what + "; last seen: " + last);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what, e);
      }
      last = value.get();
    }
    return last;
  }
}
