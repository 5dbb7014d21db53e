package io.keepwatch.agent.it;

import io.keepwatch.agent.Agent;
import io.keepwatch.agent.Await;
import io.keepwatch.agent.cli.Cli;
import io.keepwatch.agent.config.AgentConfig;
import io.keepwatch.agent.config.ConfigLoader;
import io.keepwatch.agent.endpoints.AgentInfo;
import io.keepwatch.agent.supervisor.ActionRecord;
import io.keepwatch.agent.verdict.NodeState;
import io.keepwatch.agent.verdict.Snapshot;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent supervising a real, daemonized nginx: the agent's restart command starts the test's
 * nginx, its config test tests the test's config. The fixture of the supervisor's, escalation's and
 * control socket's tests against real nginx.
 */
abstract class SupervisedNginxFixture {

  /** One client for the class: a client per request would leave a selector thread each. */
  static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();

  static final Duration DEADLINE = Duration.ofSeconds(20);

  @TempDir Path prefix;
  RealNginx nginx;
  Agent agent;
  Path configFile;

  @AfterEach
  void stopEverything() throws Exception {
    if (agent != null) {
      agent.close();
    }
    if (nginx != null) {
      nginx.close();
    }
  }

  /** Starts nginx and the agent; {@code extra} is HOCON inside keepwatch { }. */
  void start(String extra) throws Exception {
    nginx = RealNginx.startDaemon(prefix);
    startAgent(extra);
  }

  void startAgent(String extra) throws Exception {
    String config =
        TestAgentConfig.hocon(
            prefix,
            nginx,
            "  nginx {",
            "    config-test = " + hocon(nginx.configTestCommand()),
            "    restart = " + hocon(nginx.startCommand()),
            "    command-timeout = 10s",
            "  }",
            "  probes {",
            "    port.address = \"127.0.0.1:" + nginx.port() + "\"",
            "    home { url = \""
                + nginx.url("/health")
                + "\", interval = 200ms, timeout = 500ms }",
            "    stub.url = \"" + nginx.url("/nginx_status") + "\"",
            "  }",
            "  restart { grace = 3s, backoff = 200ms }",
            extra);
    configFile = prefix.resolve("keepwatch.conf");
    Files.writeString(configFile, config);
    AgentConfig agentConfig = ConfigLoader.load(configFile).config();
    agent = Agent.start(agentConfig, new AgentInfo("test", "test-node", Instant.now()));
  }

  static String hocon(List<String> argv) {
    return argv.stream().map(a -> "\"" + a + "\"").collect(Collectors.joining(", ", "[", "]"));
  }

  Snapshot snapshot() {
    return agent.judge().snapshot();
  }

  Snapshot awaitState(NodeState state, String reasonPart) {
    return Await.until(
        DEADLINE,
        state + " with '" + reasonPart + "'",
        this::snapshot,
        s -> s.verdict().state() == state && s.verdict().reason().contains(reasonPart));
  }

  List<ActionRecord> actions(String kind) {
    return agentActions().stream().filter(a -> a.action().equals(kind)).toList();
  }

  List<ActionRecord> agentActions() {
    // The same list /status shows.
    String json = get("/status").body();
    return StatusJson.actions(json);
  }

  HttpResponse<String> get(String path) {
    return send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.http().port() + path)).GET());
  }

  HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return HTTP.send(
          request.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError("request failed: " + e, e);
    }
  }

  int cli(ByteArrayOutputStream out, String... args) {
    return new Cli(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(out, true, StandardCharsets.UTF_8))
        .run(args);
  }
}
