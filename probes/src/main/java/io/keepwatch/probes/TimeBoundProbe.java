package io.keepwatch.probes;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Runs a probe with a hard deadline: a run that has not finished after {@code timeout} fails with
 * "timeout after N ms", whatever the probe is doing. Also measures each run's latency on a
 * monotonic clock and turns anything a probe throws into an {@code ERROR} result, so one broken
 * probe can never stall or crash the scheduler.
 *
 * <p>The deadline is a task on the timer given (the agent's scheduler thread), cancelled when the
 * run ends first: a run that ends in time costs no wake-up at its deadline, and no thread of its
 * own (CompletableFuture's completeOnTimeout would need both).
 */
public final class TimeBoundProbe {

  private final Probe probe;
  private final Duration timeout;
  private final ScheduledExecutorService timer;
  private final LongSupplier nanoTime;

  /**
   * @param timer where the deadline of each run waits
   */
  public TimeBoundProbe(Probe probe, Duration timeout, ScheduledExecutorService timer) {
    this(probe, timeout, timer, System::nanoTime);
  }

  TimeBoundProbe(
      Probe probe, Duration timeout, ScheduledExecutorService timer, LongSupplier nanoTime) {
    this.probe = Objects.requireNonNull(probe, "probe");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.timer = Objects.requireNonNull(timer, "timer");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
  }

  public Probe probe() {
    return probe;
  }

  public Duration timeout() {
    return timeout;
  }

  /** Starts one run; the future always completes normally, within the timeout. */
  public CompletableFuture<ProbeResult> check() {
    long started = nanoTime.getAsLong();
    CompletableFuture<ProbeResult> run;
    try {
      run = probe.check();
    } catch (RuntimeException e) {
      run = CompletableFuture.completedFuture(error(e));
    }
    if (!run.isDone()) {
      // The deadline completes the probe's own future, so the probe sees it and cleans up.
      CompletableFuture<ProbeResult> running = run;
      ScheduledFuture<?> deadline =
          timer.schedule(
              () -> running.complete(ProbeResult.timeout(timeout)),
              timeout.toNanos(),
              TimeUnit.NANOSECONDS);
      var unused = run.whenComplete((result, failure) -> deadline.cancel(false));
    }
    return run.handle(
        (result, failure) -> {
          ProbeResult r = failure == null ? result : error(failure);
          return r.withLatency(Duration.ofNanos(nanoTime.getAsLong() - started));
        });
  }

  private ProbeResult error(Throwable failure) {
    VmErrors.passOn(failure);
    Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
    return ProbeResult.failed(
        ProbeResult.Outcome.ERROR, probe.kind() + " probe failed internally: " + cause);
  }
}
