package io.keepwatch.agent;

import io.keepwatch.agent.verdict.Judge;
import io.keepwatch.agent.verdict.ProbeStatus;
import io.keepwatch.agent.verdict.RiseFall.Health;
import io.keepwatch.agent.verdict.Verdict;
import java.util.logging.Logger;

/**
 * Logs what an operator needs to reconstruct an incident: every verdict change with its reason,
 * every probe health flip, and the first failure of a run while the probe is still up (so a DOWN
 * never comes out of nowhere). Steady state logs nothing.
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
      LOG.info(
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
      LOG.info("verdict: " + before.state() + " -> " + after.line());
    }
  }
}
