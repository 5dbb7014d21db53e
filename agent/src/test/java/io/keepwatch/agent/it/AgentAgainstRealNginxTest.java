package io.keepwatch.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Agent;
import io.keepwatch.agent.Await;
import io.keepwatch.agent.config.AgentConfig;
import io.keepwatch.agent.config.ConfigLoader;
import io.keepwatch.agent.endpoints.AgentInfo;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole agent (shipped probe defaults, real endpoints) against a real nginx the test starts,
 * and scripts/keepwatch-check against the agent, for every fault the core must see.
 */
class AgentAgainstRealNginxTest {

  static final Duration DEADLINE = Duration.ofSeconds(10);

  @TempDir Path prefix;
  RealNginx nginx;
  Agent agent;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** /check's status code and body, or -1 when the agent cannot be reached. */
  record Answer(int status, String body) {
    boolean up() {
      return status == 200 && body.equals("UP\n");
    }

    @Override
    public String toString() {
      return status + " " + body.strip();
    }
  }

  @BeforeEach
  void startNginxAndAgent() throws Exception {
    nginx = RealNginx.start(prefix);
    String config =
        TestAgentConfig.hocon(
            prefix,
            nginx,
            "  restart.enabled = false  # this class tests detection; SupervisorAgainstRealNginxTest tests restarts",
            "  probes {",
            "    port.address = \"127.0.0.1:" + nginx.port() + "\"",
            "    home.url = \"" + nginx.url("/") + "\"",
            "    stub { url = \"" + nginx.url("/nginx_status") + "\", critical = true }",
            "  }");
    AgentConfig agentConfig = ConfigLoader.parse(config, "test.conf").config();
    agent = Agent.start(agentConfig, new AgentInfo("test", "test-node", Instant.now()));
  }

  @AfterEach
  void stopEverything() throws Exception {
    if (agent != null) {
      agent.close();
    }
    nginx.close();
  }

  Answer check() {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + agent.http().port() + "/check"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body());
    } catch (IOException e) {
      return new Answer(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(-1, "interrupted");
    }
  }

  Answer awaitUp() {
    return Await.until(DEADLINE, "UP", this::check, Answer::up);
  }

  Answer awaitDown(String reasonPart) {
    return Await.until(
        DEADLINE,
        "503 with '" + reasonPart + "'",
        this::check,
        a -> a.status() == 503 && a.body().contains(reasonPart));
  }

  /** Runs scripts/keepwatch-check against the agent (or a given port) and returns its exit code. */
  int keepwatchCheck(int port, String... args) throws IOException, InterruptedException {
    return KeepwatchCheck.run(port, prefix.resolve("no-lease"), args);
  }

  int keepwatchCheck() throws IOException, InterruptedException {
    return keepwatchCheck(agent.http().port());
  }

  @Test
  void upAfterStart() throws Exception {
    awaitUp();
    assertEquals(0, keepwatchCheck());
  }

  @Test
  void downWithTheReasonAfterNginxStopThenUpWhenItReturns() throws Exception {
    awaitUp();
    nginx.stop();
    Answer down = awaitDown("process: pidfile " + nginx.pidfile() + " missing (nginx not running)");
    assertTrue(down.body().startsWith("DOWN "), down.toString());
    assertEquals(1, keepwatchCheck());

    nginx.startMaster();
    awaitUp();
    assertEquals(0, keepwatchCheck());
  }

  @Test
  void downAfterSigkillOfMasterAndWorkers() throws Exception {
    awaitUp();
    long pid = nginx.masterPid();
    nginx.killAll();
    Answer down = awaitDown("process: stale pidfile " + nginx.pidfile() + ": no process " + pid);
    assertTrue(down.body().startsWith("DOWN "), down.toString());
    assertEquals(1, keepwatchCheck());

    nginx.startMaster();
    awaitUp();
  }

  @Test
  void downAfterSigstopEvenThoughTheKernelStillAcceptsConnections() throws Exception {
    awaitUp();
    nginx.freeze(true);
    awaitDown("process: nginx master " + nginx.masterPid() + " is stopped (SIGSTOP)");
    assertEquals(1, keepwatchCheck());
    // The hang is also seen where a client sees it: the HTTP probe gets no answer.
    awaitDown("home: timeout after 1000 ms");

    nginx.freeze(false);
    awaitUp();
    assertEquals(0, keepwatchCheck());
  }

  @Test
  void downWhenStubStatusAnswersGarbageThenUpWhenFixed() throws Exception {
    awaitUp();
    nginx.serveGarbageStubStatus(true);
    awaitDown(
        "stub: GET "
            + nginx.url("/nginx_status")
            + ": malformed stub_status: expected 4 lines, got 1 (first: 'garbage')");
    assertEquals(1, keepwatchCheck());

    nginx.serveGarbageStubStatus(false);
    awaitUp();
  }

  @Test
  void checkScriptWhenTheAgentIsNotRunning() throws Exception {
    awaitUp();
    int agentPort = agent.http().port();
    agent.close();
    agent = null;
    assertEquals(2, keepwatchCheck(agentPort), "unreachable agent, no fallback: fail");
    assertEquals(
        0,
        keepwatchCheck(agentPort, "--fallback-tcp", "127.0.0.1:" + nginx.port()),
        "unreachable agent, nginx accepts: the fallback keeps the VIP");
    assertEquals(
        2,
        keepwatchCheck(agentPort, "--fallback-tcp", "127.0.0.1:" + RealNginx.freePort()),
        "unreachable agent, fallback target refuses: fail");
  }

  @Test
  void checkScriptNeverUsesTheFallbackWhenTheAgentSaysDown() throws Exception {
    awaitUp();
    nginx.freeze(true);
    awaitDown("process: nginx master");
    // nginx still accepts TCP while stopped, so a fallback would wrongly pass; the agent's 503
    // wins.
    assertEquals(
        1, keepwatchCheck(agent.http().port(), "--fallback-tcp", "127.0.0.1:" + nginx.port()));
    nginx.freeze(false);
  }

  @Test
  void checkScriptGivesUpOnAHungAgentWithinItsTimeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      long started = System.nanoTime();
      assertEquals(2, keepwatchCheck(silent.getLocalPort()));
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertTrue(tookMs < 5000, "bounded by KEEPWATCH_CHECK_TIMEOUT (1 s), took " + tookMs + " ms");
      assertEquals(
          0, keepwatchCheck(silent.getLocalPort(), "--fallback-tcp", "127.0.0.1:" + nginx.port()));
    }
  }
}
