package io.keepwatch.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Await;
import io.keepwatch.agent.supervisor.ActionRecord;
import io.keepwatch.agent.verdict.NodeState;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Escalation against a real nginx: the webhook and the escalation commands, failing or hanging. */
class EscalationAgainstRealNginxTest extends SupervisedNginxFixture {
  @Test
  void escalationCallsTheWebhookWithNodeStateReasonAndTime() throws Exception {
    // A webhook receiver on loopback that records what it gets.
    java.util.concurrent.BlockingQueue<String> posted =
        new java.util.concurrent.LinkedBlockingQueue<>();
    com.sun.net.httpserver.HttpServer receiver =
        com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
    receiver.createContext(
        "/hook",
        exchange -> {
          posted.add(
              exchange.getRequestMethod()
                  + " "
                  + exchange.getRequestHeaders().getFirst("Content-Type")
                  + " "
                  + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    receiver.start();
    try {
      escalateWithCommands(
          "webhook = \"http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook\"");
      String got = posted.poll(20, TimeUnit.SECONDS);
      assertTrue(got != null, "the webhook was called");
      assertTrue(got.startsWith("POST application/json {"), got);
      com.typesafe.config.Config json =
          com.typesafe.config.ConfigFactory.parseString(got.substring(got.indexOf('{')));
      assertEquals("test-node", json.getString("node"));
      assertEquals("ESCALATED", json.getString("state"));
      assertTrue(json.getString("reason").startsWith("config test failed, not restarting: "), got);
      Instant.parse(json.getString("time"));
      List<ActionRecord> webhook =
          Await.until(
              DEADLINE, "the webhook's record", () -> actions("webhook"), l -> !l.isEmpty());
      assertTrue(webhook.get(0).outcome().endsWith(": HTTP 204"), webhook.toString());
    } finally {
      receiver.stop(0);
    }
  }

  @Test
  void aWebhookThatNeverAnswersIsCutAtItsTimeout() throws Exception {
    try (java.net.ServerSocket silent =
        new java.net.ServerSocket(0, 4, java.net.InetAddress.getLoopbackAddress())) {
      escalateWithCommands(
          "webhook = \"http://127.0.0.1:"
              + silent.getLocalPort()
              + "/hook\", webhook-timeout = 500ms");
      List<ActionRecord> webhook =
          Await.until(DEADLINE, "a webhook record", () -> actions("webhook"), l -> !l.isEmpty());
      assertTrue(webhook.get(0).outcome().contains("failed"), webhook.toString());
      assertEquals(200, get("/status").statusCode());
    }
  }

  /** Escalates through a broken config with nginx stopped; returns once ESCALATED. */
  private void escalateWithCommands(String escalationSettings) throws Exception {
    start("escalation { command-timeout = 1s, " + escalationSettings + " }");
    awaitState(NodeState.UP, "");
    nginx.breakConfig();
    nginx.stop();
    awaitState(NodeState.ESCALATED, "config test failed");
  }

  @Test
  void escalationCommandsThatHangOrFailAreLoggedAndTheAgentGoesOn() throws Exception {
    start(
        "escalation { commands = [[\"sleep\", \"60\"], [\"false\"], [\"/nonexistent/cmd\"]], command-timeout = 1s }");
    awaitState(NodeState.UP, "");
    nginx.breakConfig();
    nginx.stop();
    awaitState(NodeState.ESCALATED, "config test failed");
    List<ActionRecord> escalations =
        Await.until(
            DEADLINE,
            "three escalation records",
            () -> actions("escalation"),
            list -> list.size() >= 4);
    String all = escalations.toString();
    assertTrue(all.contains("sleep 60: killed at its timeout after"), all);
    assertTrue(all.contains("false: exit 1"), all);
    assertTrue(all.contains("/nonexistent/cmd: cannot start"), all);
    assertEquals(200, get("/status").statusCode(), "the agent still answers");
    assertEquals(
        0,
        ProcessHandle.current()
            .descendants()
            .filter(p -> p.info().command().map(c -> c.endsWith("sleep")).orElse(false))
            .count(),
        "the hung command is gone");
  }
}
