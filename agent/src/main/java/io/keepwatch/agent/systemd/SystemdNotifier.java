package io.keepwatch.agent.systemd;

import io.keepwatch.agent.schedule.Periodic;
import io.keepwatch.agent.verdict.Judge;
import io.keepwatch.agent.verdict.NodeState;
import io.keepwatch.agent.verdict.Verdict;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * What keepwatch tells systemd (Type=notify): READY=1 once the endpoints are bound and the first
 * verdict exists, STATUS= with the verdict line on every change, WATCHDOG=1 only while the probe
 * scheduler really delivers results (a stuck agent is restarted by systemd, not kept alive by a
 * timer), STOPPING=1 when it stops.
 */
public final class SystemdNotifier implements Judge.Listener, AutoCloseable {

  private static final Logger LOG = Logger.getLogger("keepwatch");

  private final SdNotify notify;
  private final LongSupplier lastResultNanos;
  private final Duration stalledAfter;
  private volatile boolean ready;

  /**
   * @param notify the socket
   * @param lastResultNanos when the scheduler last delivered a result (monotonic)
   * @param stalledAfter no result for this long means the scheduler is stuck
   */
  public SystemdNotifier(SdNotify notify, LongSupplier lastResultNanos, Duration stalledAfter) {
    this.notify = notify;
    this.lastResultNanos = lastResultNanos;
    this.stalledAfter = stalledAfter;
  }

  /** Feeds the watchdog every half of $WATCHDOG_USEC, if systemd set it. */
  public void startWatchdog(ScheduledExecutorService executor) {
    String usec = System.getenv("WATCHDOG_USEC");
    if (usec == null || usec.isBlank()) {
      return;
    }
    long every = Math.max(1, Long.parseLong(usec.strip()) / 2);
    Duration period = Duration.ofNanos(every * 1000);
    Periodic.withFixedDelay(
        executor, "feeding systemd's watchdog", this::feedWatchdog, period, period);
  }

  void feedWatchdog() {
    long silentNanos = System.nanoTime() - lastResultNanos.getAsLong();
    if (silentNanos < stalledAfter.toNanos()) {
      notify.send("WATCHDOG=1");
    } else {
      LOG.warning(
          "no probe result for " + silentNanos / 1_000_000 + " ms: not feeding systemd's watchdog");
    }
  }

  @Override
  public void verdictChanged(Verdict before, Verdict after) {
    if (!ready && after.state() != NodeState.STARTING) {
      ready = true;
      notify.send("READY=1\nSTATUS=" + after.line());
    } else {
      notify.send("STATUS=" + after.line());
    }
  }

  @Override
  public void close() {
    notify.send("STOPPING=1");
    notify.close();
  }
}
