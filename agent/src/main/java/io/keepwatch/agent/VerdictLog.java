package io.keepwatch.agent;

import io.keepwatch.agent.log.Priority;
import io.keepwatch.agent.verdict.Judge;
import io.keepwatch.agent.verdict.NodeState;
import io.keepwatch.agent.verdict.ProbeStatus;
import io.keepwatch.agent.verdict.RiseFall.Health;
import io.keepwatch.agent.verdict.Verdict;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Logs what an operator needs to reconstruct an incident: every verdict change with its reason,
 * every probe health flip, and the first failure of a run while the probe is still up (so a DOWN
 * never comes out of nowhere). Steady state logs nothing.
 *
 * <p>Each line's priority is chosen so that {@code journalctl -p warning} lists every outage and
 * {@code -p notice} its end too (see {@link #priority(NodeState, NodeState)}).
 */
final class VerdictLog implements Judge.Listener {

  private static final Logger LOG = Logger.getLogger("keepwatch");

  @Override
  public void resultRecorded(ProbeStatus before, ProbeStatus after) {
    String name = after.spec().name();
    String detail = after.last().map(r -> r.detail()).orElse("");
    if (before.health() != after.health()) {
      String run =
          after.health() == Health.UP
              ? after.riseFall().consecutiveSuccesses() + " successes"
              : after.riseFall().consecutiveFailures()
                  + " failures (on-failure "
                  + after.onFailure().label()
                  + ")";
      LOG.log(
          priority(before, after),
          "probe "
              + name
              + ": "
              + before.health()
              + " -> "
              + after.health()
              + " after "
              + run
              + ": "
              + detail);
    } else if (after.health() == Health.UP && after.riseFall().consecutiveFailures() == 1) {
      LOG.info(
          "probe " + name + ": failed (1 of " + after.spec().fall() + " before DOWN): " + detail);
    }
  }

  @Override
  public void verdictChanged(Verdict before, Verdict after) {
    if (before.state() == after.state()) {
      LOG.info("verdict: still " + after.line());
    } else {
      LOG.log(
          priority(before.state(), after.state()),
          "verdict: " + before.state() + " -> " + after.line());
    }
  }

  /**
   * The priority of a verdict change: ESCALATED is an error (a person must act); leaving UP, and
   * any fall to DOWN or DEGRADED, is a warning (service lost or wrong); coming back to UP is a
   * notice (the outage's end, which -p notice pairs with its start); the other steps of an outage
   * (DOWN to RECOVERING, into MAINTENANCE while not UP) are notices too; a same-state change of
   * reason is info.
   */
  static Level priority(NodeState before, NodeState after) {
    if (before == after) {
      return Level.INFO;
    }
    if (after == NodeState.ESCALATED) {
      return Level.SEVERE;
    }
    if (after == NodeState.UP) {
      return Priority.NOTICE;
    }
    if (before == NodeState.UP || after == NodeState.DOWN || after == NodeState.DEGRADED) {
      return Level.WARNING;
    }
    return after == NodeState.STARTING ? Level.INFO : Priority.NOTICE;
  }

  /**
   * A critical probe falling is a warning (the verdict follows it); a reported-only probe falling,
   * or any probe rising after a fall, is a notice; a new probe's first rise is info.
   */
  static Level priority(ProbeStatus before, ProbeStatus after) {
    if (after.health() == Health.DOWN) {
      return after.spec().critical() ? Level.WARNING : Priority.NOTICE;
    }
    return before.health() == Health.UNKNOWN ? Level.INFO : Priority.NOTICE;
  }
}
