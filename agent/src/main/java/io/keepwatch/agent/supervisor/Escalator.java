package io.keepwatch.agent.supervisor;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import io.keepwatch.agent.config.AgentConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What escalation does besides failing the check: runs the escalation commands once, in order (e.g.
 * {@code systemctl stop keepalived}, what the classic scripts do), then POSTs to the webhook if one
 * is set. Blocking; runs on the supervisor's actions thread. A command that fails or hangs is
 * logged and the next one still runs.
 */
public final class Escalator {

  private final AgentConfig.Escalation config;
  private final CommandRunner runner;
  private final String node;
  private final ActionJournal journal;
  private final Clock clock;

  /**
   * @param node this node's name, sent in the webhook's body
   * @param journal where each command's and the webhook's outcome is logged and kept
   */
  public Escalator(AgentConfig.Escalation config, String node, ActionJournal journal, Clock clock) {
    this.config = config;
    this.runner = new CommandRunner(config.commandTimeout());
    this.node = node;
    this.journal = journal;
    this.clock = clock;
  }

  /** Runs every escalation command and the webhook, each once, and journals what each did. */
  public void escalate(String reason) {
    for (List<String> command : config.commands()) {
      journal.command("escalation", runner.run(command));
    }
    config.webhook().ifPresent(url -> journal.note("webhook", post(url, reason)));
  }

  private String post(URI url, String reason) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("node", node);
    body.put("state", "ESCALATED");
    body.put("reason", reason);
    body.put("time", clock.instant().toString());
    String json = ConfigValueFactory.fromMap(body).render(ConfigRenderOptions.concise());
    String outcome;
    try {
      HttpClient client = HttpClient.newBuilder().connectTimeout(config.webhookTimeout()).build();
      HttpResponse<Void> response =
          client.send(
              HttpRequest.newBuilder(url)
                  .timeout(config.webhookTimeout())
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(json))
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      outcome = "POST " + url + ": HTTP " + response.statusCode();
    } catch (IOException e) {
      outcome = "POST " + url + " failed: " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      outcome = "POST " + url + " interrupted";
    }
    return outcome;
  }
}
