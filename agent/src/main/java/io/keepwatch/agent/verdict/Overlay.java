package io.keepwatch.agent.verdict;

/**
 * What the supervisor or the operator says over the probes' verdict: RECOVERING, ESCALATED or
 * MAINTENANCE, with a reason.
 *
 * @param state the state shown instead of the probes' verdict
 * @param reason one line: why
 * @param holdsVip whether /check still answers 200 meanwhile (only during the first, bounded
 *     restart attempt, when the operator chose restart.hold-vip)
 */
public record Overlay(NodeState state, String reason, boolean holdsVip) {

  public Overlay {
    if (state == NodeState.UP || state == NodeState.DOWN || state == NodeState.STARTING) {
      throw new IllegalArgumentException("the probes decide " + state + ", not an overlay");
    }
    if (holdsVip && state != NodeState.RECOVERING) {
      throw new IllegalArgumentException("only a restart in flight may hold the VIP");
    }
  }
}
