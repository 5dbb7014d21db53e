package io.keepwatch.agent.config;

import java.time.Duration;

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
 */
public record ProbeSpec(
    String name,
    Duration interval,
    Duration timeout,
    int rise,
    int fall,
    boolean critical,
    Target target) {

  /**
   * The kind-specific part: each kind in {@code io.keepwatch.agent.probing} declares its own as a
   * record implementing this.
   */
  public interface Target {
    /** The kind as written in the configuration. */
    String kind();

    /** Whether this probe's pages feed the exporter-compatible nginx_* metrics. */
    default boolean feedsNginxMetrics() {
      return false;
    }
  }
}
