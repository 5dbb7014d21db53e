package io.keepwatch.probes;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Runs a probe with a hard deadline: a run that has not finished after {@code timeout} fails with
 * "timeout after N ms", whatever the probe is doing. Also measures each run's latency on a
 * monotonic clock and turns anything a probe throws into an {@code ERROR} result, so one broken
 * probe can never stall or crash the scheduler.
 */
public final class TimeBoundProbe {

  private final Probe probe;
  private final Duration timeout;
  private final LongSupplier nanoTime;

  public TimeBoundProbe(Probe probe, Duration timeout) {
    this(probe, timeout, System::nanoTime);
  }

  TimeBoundProbe(Probe probe, Duration timeout, LongSupplier nanoTime) {
    this.probe = Objects.requireNonNull(probe, "probe");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
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
    // completeOnTimeout completes the probe's own future, so the probe sees it and cleans up.
    run.completeOnTimeout(ProbeResult.timeout(timeout), timeout.toNanos(), TimeUnit.NANOSECONDS);
    return run.handle(
        (result, failure) -> {
          ProbeResult r = failure == null ? result : error(failure);
          return r.withLatency(Duration.ofNanos(nanoTime.getAsLong() - started));
        });
  }

  private ProbeResult error(Throwable failure) {
    Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
    return ProbeResult.failed(
        ProbeResult.Outcome.ERROR, probe.kind() + " probe failed internally: " + cause);
  }
}
