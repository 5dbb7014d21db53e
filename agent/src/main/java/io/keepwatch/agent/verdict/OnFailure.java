package io.keepwatch.agent.verdict;

/**
 * What a failed probe calls for. The supervisor reads it from the verdict ({@link
 * Verdict#onFailure()}) and acts on nothing else, so a new class of failure is a new value here and
 * a rule where the probe's status is computed, not a special case in the state machine.
 */
public enum OnFailure {
  /** nginx is not there or not answering: a restart may bring it back. */
  RESTART,
  /** nginx answers, but wrongly: a restart cannot help; the verdict alone moves the VIP. */
  FAILOVER,
  /** Shown and counted only: the node stays UP (a probe with critical = false). */
  REPORT;

  /**
   * The stronger of two: a restart is tried whenever any failure calls for one, and a failover
   * whenever any failure calls for more than a report.
   */
  OnFailure strongest(OnFailure other) {
    if (this == RESTART || other == RESTART) {
      return RESTART;
    }
    return this == FAILOVER || other == FAILOVER ? FAILOVER : REPORT;
  }
}
