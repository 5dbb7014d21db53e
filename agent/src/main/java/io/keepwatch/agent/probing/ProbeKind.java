package io.keepwatch.agent.probing;

import io.keepwatch.agent.config.ConfigError;
import io.keepwatch.agent.config.Fields;
import io.keepwatch.agent.config.ProbeSpec;
import io.keepwatch.probes.Probe;

/**
 * One kind of probe, declared once: its name in the configuration, how its own settings are read,
 * and how its probe is built. A new kind is one class implementing this, listed in {@link
 * ProbeKinds}, and its {@code probe-defaults.<name>} block in reference.conf; the loader, the
 * factory and the documentation tests read that list and nothing else.
 */
public interface ProbeKind {

  /** The kind as written in the configuration: {@code kind = tcp}. */
  String name();

  /**
   * Reads the kind's own settings of one probe (the common ones, interval to critical, are read by
   * the loader).
   *
   * @param settings the probe's entry over {@code probe-defaults.<name>}; errors name its keys
   */
  ProbeSpec.Target readTarget(Fields settings) throws ConfigError;

  /**
   * Builds the probe of a spec whose target this kind read.
   *
   * @param context the threads a probe may use
   */
  Probe build(ProbeSpec spec, ProbeContext context);
}
