package io.keepwatch.agent.config;

import io.keepwatch.probes.ProbeResult;
import java.util.Locale;

/**
 * What a failed probe calls for: the two questions of a failure kept apart. Can a restart help
 * (nginx is not there, or not answering)? Or does nginx answer, but wrongly, so that only a
 * healthier peer should take the VIP? The supervisor restarts only for {@link #RESTART}; the
 * verdict says DOWN for it and DEGRADED for {@link #FAILOVER}.
 */
public enum OnFailure {
  /** nginx is not there or not answering: a restart may bring it back; the node cannot serve. */
  RESTART,
  /**
   * nginx answers promptly, but wrongly (a status outside expect-status, a body mismatch): a
   * restart cannot help, and the cause is often shared with the peer. The node gives way to a
   * healthier peer, and only to one.
   */
  FAILOVER,
  /** Shown and counted only: the verdict does not change (what critical = false means). */
  REPORT;

  /** The name as written in the configuration and shown in /status and the metrics. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * What a failure calls for when the probe's {@code on-failure} is {@code auto}: by what was seen.
   * Gone, stopped, refused, reset, timed out: a restart may help. Answered, but wrongly: it cannot.
   * A fault of keepwatch's own probe is not nginx's: no restart for it either.
   */
  public static OnFailure byOutcome(ProbeResult.Outcome outcome) {
    return switch (outcome) {
      case GONE, PROCESS, CONNECT_FAILED, TIMEOUT -> RESTART;
      case BAD_RESPONSE, ERROR -> FAILOVER;
      case OK -> throw new IllegalArgumentException("a healthy result calls for nothing");
    };
  }
}
