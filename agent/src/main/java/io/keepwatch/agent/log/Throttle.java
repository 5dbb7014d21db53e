package io.keepwatch.agent.log;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * At most one line a second for warnings that outside input can trigger (a FIFO line, a client's
 * request, a file someone replaced): whoever writes 100,000 bad lines gets one warning a second,
 * each saying how many like it were held back, and the rest at FINE. Any thread.
 */
public final class Throttle {

  private static final long EVERY_NANOS = 1_000_000_000L;

  private final Logger log;
  private final LongSupplier nanoTime;
  private final AtomicLong last;
  private final AtomicLong held = new AtomicLong();

  public Throttle(Logger log) {
    this(log, System::nanoTime);
  }

  Throttle(Logger log, LongSupplier nanoTime) {
    this.log = log;
    this.nanoTime = nanoTime;
    this.last = new AtomicLong(nanoTime.getAsLong() - EVERY_NANOS);
  }

  /** Logs {@code message} at {@code level} if a second has passed since the last, else at FINE. */
  public void log(Level level, String message) {
    long now = nanoTime.getAsLong();
    long before = last.get();
    if (now - before >= EVERY_NANOS && last.compareAndSet(before, now)) {
      long heldBack = held.getAndSet(0);
      log.log(
          level,
          heldBack == 0
              ? message
              : message
                  + " (and "
                  + heldBack
                  + " more like it in the last second, at debug level)");
    } else {
      held.incrementAndGet();
      log.fine(message);
    }
  }

  public void warning(String message) {
    log(Level.WARNING, message);
  }
}
