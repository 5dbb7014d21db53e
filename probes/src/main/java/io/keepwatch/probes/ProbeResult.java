package io.keepwatch.probes;

import io.keepwatch.probes.stubstatus.StubStatus;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What one run of a probe found. Immutable.
 *
 * <p>An expected failure of the target (refused, timeout, 5xx, garbage, no process) is a result
 * with an {@link Outcome} other than {@code OK}, never an exception.
 *
 * @param outcome whether the target was healthy and, if not, the class of failure
 * @param detail one line for people: what was seen, or precisely what was wrong
 * @param latency how long the run took; {@link Duration#ZERO} until {@link TimeBoundProbe} measured
 *     it
 * @param page the stub_status page a stub-status probe fetched and parsed; empty for every other
 *     result. It travels with the result so the page and the probe's health reach the nginx_*
 *     metrics together, by one route.
 */
public record ProbeResult(
    Outcome outcome, String detail, Duration latency, Optional<StubStatus> page) {

  /** Failure classes. A small fixed set, so it is safe as a metric label. */
  public enum Outcome {
    OK,
    /** The run did not finish within the probe's timeout. */
    TIMEOUT,
    /** The TCP connection could not be made (refused, unreachable, reset). */
    CONNECT_FAILED,
    /** nginx answered, but not as expected (status, body, malformed stub_status). */
    BAD_RESPONSE,
    /**
     * nginx is not running: no pidfile, no process behind it (or another program's, its pid
     * reused), or a zombie master. Not a flaky signal: it counts at once, with no debounce.
     */
    GONE,
    /** The nginx processes are not as they must be (a stopped master, too few workers). */
    PROCESS,
    /** A fault of the probe itself, not of nginx; should not happen, is still a failure. */
    ERROR;

    /** The label value used in logs and metrics: lower case with dashes. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  public ProbeResult {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(latency, "latency");
    Objects.requireNonNull(page, "page");
    if (page.isPresent() && outcome != Outcome.OK) {
      throw new IllegalArgumentException("only a healthy run has a page");
    }
  }

  /** A result without a page (every kind but stub-status). */
  public ProbeResult(Outcome outcome, String detail, Duration latency) {
    this(outcome, detail, latency, Optional.empty());
  }

  public static ProbeResult ok(String detail) {
    return new ProbeResult(Outcome.OK, detail, Duration.ZERO);
  }

  /** A healthy stub-status run and the page it parsed. */
  public static ProbeResult page(String detail, StubStatus page) {
    return new ProbeResult(Outcome.OK, detail, Duration.ZERO, Optional.of(page));
  }

  public static ProbeResult failed(Outcome outcome, String detail) {
    if (outcome == Outcome.OK) {
      throw new IllegalArgumentException("a failure needs a failure outcome");
    }
    return new ProbeResult(outcome, detail, Duration.ZERO);
  }

  /** The result of a run that was cut off: "timeout after N ms" (design contract wording). */
  public static ProbeResult timeout(Duration timeout) {
    return failed(Outcome.TIMEOUT, "timeout after " + timeout.toMillis() + " ms");
  }

  public boolean healthy() {
    return outcome == Outcome.OK;
  }

  /**
   * Whether this failure counts at once, whatever the probe's fall: a master that is gone does not
   * come back by waiting, and every debounced run would only delay its restart.
   */
  public boolean definitive() {
    return outcome == Outcome.GONE;
  }

  public ProbeResult withLatency(Duration measured) {
    return new ProbeResult(outcome, detail, measured, page);
  }
}
