package io.keepwatch.agent.verdict;

import java.time.Instant;
import java.util.Objects;

/**
 * The node's verdict at a moment. Immutable.
 *
 * @param state the node state
 * @param reason one line: why the node is not UP ("" when UP)
 * @param since when the node entered this state (wall clock, for people)
 */
public record Verdict(NodeState state, String reason, Instant since) {

  public Verdict {
    Objects.requireNonNull(state, "state");
    // One line, always: the reason goes into an HTTP body line and a log line.
    reason = reason.replaceAll("[\\r\\n]+", " ").strip();
  }

  /** "UP", or "DOWN process: nginx master 4242 is stopped (SIGSTOP)". */
  public String line() {
    return reason.isEmpty() ? state.name() : state.name() + " " + reason;
  }

  /** Same state and reason: nothing an observer needs to hear about. */
  public boolean sameAs(Verdict other) {
    return state == other.state && reason.equals(other.reason);
  }
}
