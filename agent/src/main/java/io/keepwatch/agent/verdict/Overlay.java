package io.keepwatch.agent.verdict;

import java.util.Optional;

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

  /**
   * What the node shows over its probes: the operator's drain over everything, then what the
   * supervisor is doing (ESCALATED, RECOVERING), else nothing (the probes' own verdict).
   */
  public static Optional<Overlay> shown(Optional<Overlay> operator, Optional<Overlay> supervisor) {
    return operator.isPresent() ? operator : supervisor;
  }

  public Overlay {
    if (state == NodeState.UP || state == NodeState.DOWN || state == NodeState.STARTING) {
      throw new IllegalArgumentException("the probes decide " + state + ", not an overlay");
    }
    if (holdsVip && state != NodeState.RECOVERING) {
      throw new IllegalArgumentException("only a restart in flight may hold the VIP");
    }
  }
}
