package io.keepwatch.agent.verdict;

import io.keepwatch.probes.Printable;
import java.nio.charset.StandardCharsets;

/**
 * An answer of {@code GET /check} or {@code /check/serving}, computed once when the verdict changes
 * and served as is: 200 or 503 with one line, "UP" or "STATE reason". keepwatch-check looks only at
 * the status code.
 *
 * @param status 200 or 503
 * @param body the body bytes, one line ending in a newline
 */
// The bytes are built once and written as they are on every request; answers are never compared.
@SuppressWarnings("ArrayRecordComponent")
public record CheckAnswer(int status, byte[] body) {

  /**
   * {@code /check}: is everything as it should be? 200 only when UP (or while a restart in place
   * holds the VIP); keepalived's vrrp_script with a negative weight, or weight 0 in the classic
   * set-up.
   *
   * @param verdict the verdict shown
   * @param holdsVip a restart in place is in flight and the operator chose to keep the VIP for it
   *     (restart.hold-vip): answer 200 with the verdict line, "RECOVERING ..."
   */
  public static CheckAnswer of(Verdict verdict, boolean holdsVip) {
    return answer(verdict, verdict.state() == NodeState.UP || holdsVip);
  }

  /**
   * {@code /check/serving}: can this node serve at all? 200 also when DEGRADED (nginx answers, if
   * wrongly): keepalived's weight-0 vrrp_script, so that a failure both nodes share never leaves
   * the pair without a VIP holder.
   */
  public static CheckAnswer serving(Verdict verdict, boolean holdsVip) {
    return answer(verdict, verdict.state().nginxAnswers() || holdsVip);
  }

  /** A 200 or 503 with the verdict line ("UP" when UP). */
  static CheckAnswer answer(Verdict verdict, boolean ok) {
    String line = verdict.state() == NodeState.UP ? "UP" : Printable.escaped(verdict.line());
    return new CheckAnswer(ok ? 200 : 503, (line + "\n").getBytes(StandardCharsets.UTF_8));
  }

  public boolean up() {
    return status == 200;
  }

  public String text() {
    return new String(body, StandardCharsets.UTF_8).strip();
  }
}
