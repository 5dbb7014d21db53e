package io.keepwatch.agent.verdict;

import java.nio.charset.StandardCharsets;

/**
 * The answer of {@code GET /check}, computed once when the verdict changes and served as is: 200
 * with body "UP", or 503 with the one line "STATE reason". keepwatch-check looks only at the status
 * code.
 *
 * @param status 200 or 503
 * @param body the body bytes, one line ending in a newline
 */
// The bytes are built once and written as they are on every request; answers are never compared.
@SuppressWarnings("ArrayRecordComponent")
public record CheckAnswer(int status, byte[] body) {

  /**
   * The answer for a verdict.
   *
   * @param verdict the verdict shown
   * @param holdsVip a restart in place is in flight and the operator chose to keep the VIP for it
   *     (restart.hold-vip): answer 200 with the verdict line, "RECOVERING ..."
   */
  public static CheckAnswer of(Verdict verdict, boolean holdsVip) {
    boolean up = verdict.state() == NodeState.UP;
    int status = up || holdsVip ? 200 : 503;
    String line = up ? "UP" : verdict.line();
    return new CheckAnswer(status, (line + "\n").getBytes(StandardCharsets.UTF_8));
  }

  public boolean up() {
    return status == 200;
  }

  public String text() {
    return new String(body, StandardCharsets.UTF_8).strip();
  }
}
