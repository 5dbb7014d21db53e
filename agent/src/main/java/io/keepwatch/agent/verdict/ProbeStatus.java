package io.keepwatch.agent.verdict;

import io.keepwatch.agent.config.ProbeSpec;
import io.keepwatch.probes.ProbeResult;
import java.time.Instant;
import java.util.Optional;

/**
 * What is known about one probe right now. Immutable; a new one per result.
 *
 * @param spec the probe's configuration
 * @param riseFall its debounce state
 * @param last its last result, empty before the first run completed
 * @param lastAt when that result arrived (wall clock, for people)
 * @param reason why it is DOWN: the detail of the failure that made it fall; "" otherwise
 */
public record ProbeStatus(
    ProbeSpec spec,
    RiseFall riseFall,
    Optional<ProbeResult> last,
    Optional<Instant> lastAt,
    String reason) {

  public static ProbeStatus initial(ProbeSpec spec) {
    return new ProbeStatus(spec, RiseFall.initial(), Optional.empty(), Optional.empty(), "");
  }

  /** The status after one more result. */
  public ProbeStatus next(ProbeResult result, Instant at) {
    RiseFall next = riseFall.next(result.healthy(), spec.rise(), spec.fall());
    String newReason =
        next.health() != RiseFall.Health.DOWN
            ? ""
            : riseFall.health() == RiseFall.Health.DOWN
                ? reason
                : result.detail(); // the failure that made it fall; kept while it stays down
    return new ProbeStatus(spec, next, Optional.of(result), Optional.of(at), newReason);
  }

  public RiseFall.Health health() {
    return riseFall.health();
  }
}
