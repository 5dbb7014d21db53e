package io.keepwatch.agent.endpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.keepalived.KeepalivedView;
import io.keepwatch.agent.keepalived.VrrpRoles;
import io.keepwatch.agent.log.LogLine;
import io.keepwatch.agent.verdict.CheckAnswer;
import io.keepwatch.agent.verdict.Snapshot;
import io.keepwatch.probes.ProbeResult;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/**
 * Outside text with ESC, BEL, CR and C1 controls and non-ASCII letters comes out of every place
 * that shows it escaped the same way, letters intact. Regression (issue 14): such text reached
 * /check, the log, /status and the page raw (ESC sequences recolouring terminals, CR hiding the
 * start of a log line), and UTF-8 names came out garbled.
 */
class EscapingTest {

  /** ESC [31m, BEL, CR, CSI (C1, U+009B), then letters from two scripts. */
  static final String HOSTILE = "bad \u001b[31mred\u0007 \rhidden \u009b2J Zürich 東京";

  static final String ESCAPED = "bad \\x1b[31mred\\x07 \\x0dhidden \\x9b2J Zürich 東京";

  /** A probe's detail is one line already (ProbeResult makes CR and LF spaces); the rest stays. */
  static final String ESCAPED_DETAIL = "bad \\x1b[31mred\\x07  hidden \\x9b2J Zürich 東京";

  static void assertNoControlCharacter(String shown) {
    assertTrue(shown.chars().noneMatch(c -> Character.isISOControl(c) && c != '\n'), shown);
  }

  @Test
  void checkStatusPageAndLogShowOutsideTextEscapedAndLettersIntact() {
    try (EndpointFixture fixture = new EndpointFixture()) {
      fixture.judge.record("port", ProbeResult.failed(ProbeResult.Outcome.CONNECT_FAILED, HOSTILE));
      fixture.judge.record("port", ProbeResult.failed(ProbeResult.Outcome.CONNECT_FAILED, HOSTILE));
      Snapshot snapshot = fixture.judge.snapshot();
      assertTrue(snapshot.verdict().line().contains("\u001b[31m"), "the verdict keeps it raw");

      String check = CheckAnswer.of(snapshot.verdict(), false).text();
      assertTrue(check.endsWith(ESCAPED_DETAIL), check);

      KeepalivedView keepalived =
          new KeepalivedView(
              Map.of(
                  "VI_Zürich\u009b", new VrrpRoles.Role("INSTANCE", "MASTER", 100, Instant.EPOCH)),
              Optional.empty());
      AgentInfo info = new AgentInfo("test", "n1", Instant.EPOCH);
      String json = StatusDocuments.json(snapshot, List.of(), keepalived, info);
      assertTrue(json.contains(ESCAPED_DETAIL.replace("\\", "\\\\")), json);
      assertTrue(json.contains("VI_Zürich\\\\x9b"), json);
      assertFalse(json.contains("\\u001b"), "JSON's own escape is not the one everything uses");

      String page = StatusDocuments.html(snapshot, List.of(), keepalived, info);
      assertNoControlCharacter(page);
      assertTrue(page.contains(ESCAPED_DETAIL), page);
      assertTrue(page.contains("VI_Zürich\\x9b"), page);

      String logged = new LogLine(true).format(new LogRecord(Level.WARNING, "reason: " + HOSTILE));
      assertNoControlCharacter(logged);
      assertTrue(logged.contains(ESCAPED), logged);
    }
  }

  @Test
  void escapingIsIdempotent() {
    assertEquals(ESCAPED, io.keepwatch.probes.Printable.escaped(ESCAPED));
  }
}
