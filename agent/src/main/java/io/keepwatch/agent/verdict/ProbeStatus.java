package io.keepwatch.agent.verdict;

import io.keepwatch.agent.config.OnFailure;
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
 * @param onFailure while DOWN, what the failure that made it fall calls for; REPORT otherwise
 */
public record ProbeStatus(
    ProbeSpec spec,
    RiseFall riseFall,
    Optional<ProbeResult> last,
    Optional<Instant> lastAt,
    String reason,
    OnFailure onFailure) {

  public static ProbeStatus initial(ProbeSpec spec) {
    return new ProbeStatus(
        spec, RiseFall.initial(), Optional.empty(), Optional.empty(), "", OnFailure.REPORT);
  }

  /** The status after one more result. */
  public ProbeStatus next(ProbeResult result, Instant at) {
    // A definitive failure (nginx gone) falls at once: waiting would only delay its restart.
    RiseFall next =
        riseFall.next(result.healthy(), spec.rise(), result.definitive() ? 1 : spec.fall());
    if (next.health() != RiseFall.Health.DOWN) {
      return new ProbeStatus(
          spec, next, Optional.of(result), Optional.of(at), "", OnFailure.REPORT);
    }
    if (riseFall.health() == RiseFall.Health.DOWN) {
      // Still down: the failure that made it fall stays the reason, and what it calls for.
      return new ProbeStatus(spec, next, Optional.of(result), Optional.of(at), reason, onFailure);
    }
    // Just fell: this failure is the reason, and decides what the fall calls for.
    return new ProbeStatus(
        spec,
        next,
        Optional.of(result),
        Optional.of(at),
        result.detail(),
        spec.calledFor(result.outcome()));
  }

  public RiseFall.Health health() {
    return riseFall.health();
  }
}
