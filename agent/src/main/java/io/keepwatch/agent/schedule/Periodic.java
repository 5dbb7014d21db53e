package io.keepwatch.agent.schedule;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Background work repeated at a fixed delay that survives its own failures. A task given straight
 * to {@link ScheduledExecutorService#scheduleWithFixedDelay} that throws once is never run again,
 * and nobody hears of it: the exception waits in a future nobody reads. Here it is logged, and the
 * next run happens as planned.
 */
public final class Periodic {

  private static final Logger LOG = Logger.getLogger("keepwatch");

  private Periodic() {}

  /**
   * Runs {@code task} after {@code initialDelay}, then {@code delay} after each run ends.
   *
   * @param what names the work in the log line of a failed run
   *     <p>It ends when the executor shuts down.
   */
  public static void withFixedDelay(
      ScheduledExecutorService executor,
      String what,
      Runnable task,
      Duration initialDelay,
      Duration delay) {
    Runnable survivor =
        () -> {
          try {
            task.run();
          } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, what + " failed; trying again in " + delay.toMillis() + " ms", e);
          }
        };
    var unused =
        executor.scheduleWithFixedDelay(
            survivor, initialDelay.toNanos(), delay.toNanos(), TimeUnit.NANOSECONDS);
  }
}
