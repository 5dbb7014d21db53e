package io.keepwatch.agent.endpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.TestProbes;
import io.keepwatch.agent.config.ProbeSpec;
import io.keepwatch.agent.keepalived.KeepalivedView;
import io.keepwatch.agent.keepalived.VrrpRoles;
import io.keepwatch.agent.supervisor.ActionRecord;
import io.keepwatch.agent.verdict.CheckAnswer;
import io.keepwatch.agent.verdict.NodeState;
import io.keepwatch.agent.verdict.ProbeStatus;
import io.keepwatch.agent.verdict.Snapshot;
import io.keepwatch.agent.verdict.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class StatusPageTest {

  static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
  static final String HOSTILE = "<script>alert('x')</script>&\"";
  static final ProbeSpec PROBE = TestProbes.tcp("port");

  static String page(NodeState state, String reason, Map<String, VrrpRoles.Role> vrrp) {
    Verdict verdict = new Verdict(state, reason, NOW.minusSeconds(185));
    Snapshot snapshot =
        new Snapshot(
            verdict,
            CheckAnswer.of(verdict, false),
            CheckAnswer.serving(verdict, false),
            false,
            List.of(ProbeStatus.initial(PROBE)));
    return StatusPage.render(
        snapshot,
        List.of(new ActionRecord(NOW.minusSeconds(30), "restart", HOSTILE)),
        new KeepalivedView(vrrp, Optional.empty()),
        new AgentInfo("1.0", "web1", NOW.minusSeconds(7200)),
        NOW);
  }

  @ParameterizedTest
  @EnumSource(NodeState.class)
  void theBannerSaysTheStateAndHowLongInItsOwnColourWithTheNextStep(NodeState state) {
    String html = page(state, state == NodeState.UP ? "" : "why", Map.of());
    assertTrue(
        html.contains(
            "<header class=\"banner s-"
                + state
                + "\" id=\"banner\"><div><h1>web1: "
                + state
                + " for 3 min</h1>"),
        html);
    assertTrue(html.contains(StatusPage.nextStep(state, false)), html);
    assertTrue(html.contains("<meta name=\"viewport\" content=\"width=device-width"), html);
    assertTrue(html.contains("<a href=\"/metrics\">") && html.contains("<a href=\"/status\">"));
  }

  @Test
  void everyStateHasItsOwnBannerColour() {
    Set<String> colours = new HashSet<>();
    for (NodeState state : NodeState.values()) {
      String css = StatusPage.class.getName(); // the style is a constant of the page
      String html = page(state, "", Map.of());
      int at = html.indexOf(".s-" + state + "{background:");
      assertTrue(at >= 0, state + " has no banner colour in " + css);
      colours.add(
          html.substring(at + (".s-" + state + "{background:").length(), html.indexOf('}', at)));
    }
    assertEquals(NodeState.values().length, colours.size(), "colours: " + colours);
  }

  @Test
  void theNextStepNamesTheCommands() {
    assertTrue(StatusPage.nextStep(NodeState.ESCALATED, false).contains("keepwatch reset"));
    assertTrue(
        StatusPage.nextStep(NodeState.MAINTENANCE, false).contains("keepwatch maintenance off"));
  }

  @Test
  void everythingFromOutsideIsEscaped() {
    String html =
        page(
            NodeState.DOWN,
            HOSTILE,
            Map.of(HOSTILE, new VrrpRoles.Role("INSTANCE", "MASTER", 100, NOW.minusSeconds(60))));
    assertFalse(html.contains("<script>"), html);
    assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"), html);
  }

  @Test
  void keepalivedsViewShowsTheRoleAndWhetherThisNodeHoldsTheVip() {
    String html =
        page(
            NodeState.UP,
            "",
            Map.of(
                "VI_1", new VrrpRoles.Role("INSTANCE", "MASTER", 100, NOW.minusSeconds(90)),
                "VI_2", new VrrpRoles.Role("INSTANCE", "BACKUP", 90, NOW.minusSeconds(90))));
    assertTrue(
        html.contains(
            "<td class=\"name\">VI_1</td><td data-label=\"role\" class=\"ok\">MASTER</td>"
                + "<td data-label=\"holds the VIP\">yes</td>"),
        html);
    assertTrue(
        html.contains(
            "<td class=\"name\">VI_2</td><td data-label=\"role\" class=\"unknown\">BACKUP</td>"
                + "<td data-label=\"holds the VIP\">no</td>"),
        html);
  }

  @ParameterizedTest
  @CsvSource({
    "0, 0 s",
    "59, 59 s",
    "60, 1 min",
    "3599, 59 min",
    "3600, 1 h",
    "5520, 1 h 32 min",
    "172800, 2 days"
  })
  void relativeTimes(long seconds, String said) {
    assertEquals(said, Ago.of(Duration.ofSeconds(seconds)));
  }
}
