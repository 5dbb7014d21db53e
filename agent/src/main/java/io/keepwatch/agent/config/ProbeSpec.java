package io.keepwatch.agent.config;

import io.keepwatch.probes.ProbeResult;
import java.time.Duration;
import java.util.Optional;

/**
 * One configured probe: its schedule, its rise/fall and what it checks.
 *
 * @param name the key under keepwatch.probes
 * @param interval from the start of one run to the start of the next
 * @param timeout a run past it fails
 * @param rise consecutive successes to become healthy
 * @param fall consecutive failures to become failed
 * @param critical whether it counts toward the node's verdict
 * @param target what this kind of probe checks
 * @param onFailure what its failures call for, whatever was seen; empty for {@code auto}: by what
 *     was seen ({@link OnFailure#byOutcome})
 */
public record ProbeSpec(
    String name,
    Duration interval,
    Duration timeout,
    int rise,
    int fall,
    boolean critical,
    Target target,
    Optional<OnFailure> onFailure) {

  /** A probe whose failures call for what was seen ({@code on-failure = auto}). */
  public ProbeSpec(
      String name,
      Duration interval,
      Duration timeout,
      int rise,
      int fall,
      boolean critical,
      Target target) {
    this(name, interval, timeout, rise, fall, critical, target, Optional.empty());
  }

  /** What a failure of this probe with this outcome calls for. */
  public OnFailure calledFor(ProbeResult.Outcome outcome) {
    if (!critical) {
      return OnFailure.REPORT;
    }
    return onFailure.orElseGet(() -> OnFailure.byOutcome(outcome));
  }

  /**
   * The kind-specific part: each kind in {@code io.keepwatch.agent.probing} declares its own as a
   * record implementing this.
   */
  public interface Target {
    /** The kind as written in the configuration. */
    String kind();

    /** The TCP port of nginx this probe talks to, if it talks to one. */
    default java.util.OptionalInt port() {
      return java.util.OptionalInt.empty();
    }

    /**
     * The pidfile of the nginx master this probe checks, if it checks one: the agent then also
     * watches that master closely between runs (MasterWatch) and runs the probe at once when it
     * dies or stops.
     */
    default java.util.Optional<java.nio.file.Path> masterPidfile() {
      return java.util.Optional.empty();
    }

    /** Whether this probe's pages feed the exporter-compatible nginx_* metrics. */
    default boolean feedsNginxMetrics() {
      return false;
    }
  }
}
