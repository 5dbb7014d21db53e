package io.keepwatch.agent.verdict;

import java.util.List;

/**
 * Everything the endpoints show, published as one immutable value so a reader never sees half an
 * update.
 *
 * @param verdict the node verdict
 * @param answer the precomputed /check answer for that verdict
 * @param serving the precomputed /check/serving answer for that verdict
 * @param holdsVip whether the answers are 200 during a restart in flight (restart.hold-vip)
 * @param probes every probe's status, in configuration order
 */
public record Snapshot(
    Verdict verdict,
    CheckAnswer answer,
    CheckAnswer serving,
    boolean holdsVip,
    List<ProbeStatus> probes) {
  public Snapshot {
    probes = List.copyOf(probes);
  }
}
