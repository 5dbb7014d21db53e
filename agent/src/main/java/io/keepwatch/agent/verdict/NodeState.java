package io.keepwatch.agent.verdict;

/** The node's verdict. The check answers success only in {@link #UP}. */
public enum NodeState {
  /** Not every critical probe has completed its first rise or fall yet. */
  STARTING,
  /** Every critical probe is up. */
  UP,
  /** At least one critical probe is down. */
  DOWN,
  /** A restart of nginx is in flight (supervisor). */
  RECOVERING,
  /** Restarts cannot help: budget spent or config test failed (supervisor). */
  ESCALATED,
  /** An operator drained the node. */
  MAINTENANCE
}
