package io.keepwatch.agent.verdict;

/**
 * The node's verdict. {@code /check} answers success only in {@link #UP}; {@code /check/serving}
 * (can this node serve at all?) in {@link #UP} and {@link #DEGRADED}.
 */
public enum NodeState {
  /** Not every critical probe has completed its first rise or fall yet. */
  STARTING,
  /** Every critical probe is up. */
  UP,
  /** nginx is not there or not answering (a critical probe fell for it): a restart may help. */
  DOWN,
  /**
   * nginx answers, but wrongly (a critical probe fell for that alone): no restart; the node gives
   * way to a healthier peer, and only to one.
   */
  DEGRADED,
  /** A restart of nginx is in flight (supervisor). */
  RECOVERING,
  /** Restarts cannot help: budget spent or config test failed (supervisor). */
  ESCALATED,
  /** An operator drained the node. */
  MAINTENANCE;

  /** Whether nginx is there and answering, rightly or not: what a restart waits for. */
  public boolean nginxAnswers() {
    return this == UP || this == DEGRADED;
  }
}
