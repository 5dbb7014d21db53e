package io.keepwatch.agent.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Agent;
import io.keepwatch.agent.Await;
import io.keepwatch.agent.config.ConfigLoader;
import io.keepwatch.agent.endpoints.AgentInfo;
import io.keepwatch.agent.verdict.NodeState;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping the agent while it acts: a stop waits for a running restart of nginx (cut in half, a
 * hard restart would leave nginx dead), and a stop during a reload leaves nothing of the reload
 * running.
 */
@Timeout(60)
class AgentLifecycleTest {

  @TempDir Path dir;
  RealNginx nginx;
  Agent agent;

  @AfterEach
  void stop() throws Exception {
    if (agent != null) {
      agent.close();
    }
    if (nginx != null) {
      nginx.close();
    }
  }

  Agent start(String text) throws Exception {
    Path file = dir.resolve("keepwatch.conf");
    Files.writeString(file, text);
    Agent started =
        Agent.start(ConfigLoader.load(file).config(), new AgentInfo("test", "n1", Instant.now()));
    Await.until(
        Duration.ofSeconds(10),
        "UP",
        () -> started.judge().snapshot().verdict().state(),
        NodeState.UP::equals);
    return started;
  }

  static Set<Long> liveAgentThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("keepwatch-"))
        .map(Thread::getId)
        .collect(Collectors.toSet());
  }

  static String namesOf(Set<Long> ids) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> ids.contains(t.getId()))
        .map(Thread::getName)
        .sorted()
        .collect(Collectors.joining(", "));
  }

  @Test
  void aStopLetsARunningRestartFinish() throws Exception {
    nginx = RealNginx.startDaemon(dir.resolve("nginx"));
    Path done = dir.resolve("restart-finished");
    // A restart that takes a second, then marks that it ran to its end, then starts nginx.
    String restart = TestAgentConfig.restartThatTakesASecond(nginx, done);
    agent =
        start(
            TestAgentConfig.hocon(
                dir,
                nginx,
                "  nginx { config-test = [\"/bin/true\"], restart = " + restart + " }",
                "  restart.hold-vip = 0s",
                "  probes { home = null, stub = null, port.address = \"127.0.0.1:"
                    + nginx.port()
                    + "\" }"));

    nginx.stop();
    // RECOVERING with the restart command in the reason: the command itself is running.
    Await.until(
        Duration.ofSeconds(10),
        "the restart command running",
        () -> agent.judge().snapshot().verdict().line(),
        line -> line.startsWith("RECOVERING restart 1 of 3: /bin/sh"));
    agent.close();
    agent = null;

    assertTrue(Files.exists(done), "stopping the agent cut the running restart short");
    long master = nginx.masterPid();
    assertTrue(
        master > 0 && RealNginx.running(master),
        "nginx is not running after the agent stopped mid-restart");
    nginx.remember(); // the master the restart started, so close() stops it
  }

  int check(Path lease, int port, String... args) throws Exception {
    return KeepwatchCheck.run(port, lease, args);
  }

  /**
   * Restarting the agent is invisible to keepalived: while no agent answers, keepwatch-check trusts
   * the last one's lease, and the next agent answers as the last one did until its own first
   * verdict. An agent that does not come back is out when the lease runs out.
   */
  @Test
  void aRestartedAgentKeepsTheAnswerAndOneGoneForGoodIsOutWhenItsLeaseRunsOut() throws Exception {
    nginx = RealNginx.start(dir.resolve("nginx"));
    int port = RealNginx.freePort();
    String config =
        TestAgentConfig.hocon(
                dir,
                nginx,
                "  restart.enabled = false",
                "  probes { home = null, stub = null, port.address = \"127.0.0.1:"
                    + nginx.port()
                    + "\" }")
            .replace("127.0.0.1:0", "127.0.0.1:" + port);
    Path lease = dir.resolve("run/lease");
    agent = start(config);
    assertTrue(check(lease, port) == 0);

    agent.close(); // the restart's stop
    agent = null;
    assertTrue(check(lease, port) == 0, "no agent, but its lease stands: the VIP stays");

    Path file = dir.resolve("keepwatch.conf");
    Agent next =
        Agent.start(ConfigLoader.load(file).config(), new AgentInfo("test", "n1", Instant.now()));
    agent = next;
    // Before its first verdict (at least one quick-start interval away): the last agent's answer.
    assertTrue(
        next.judge().snapshot().answer().up(),
        "a starting agent answered " + next.judge().snapshot().answer().text());
    assertTrue(next.judge().snapshot().verdict().state() == NodeState.STARTING);
    Await.until(
        Duration.ofSeconds(10),
        "UP",
        () -> next.judge().snapshot().verdict().state(),
        NodeState.UP::equals);

    agent.close(); // gone for good this time
    agent = null;
    Await.until(
        Duration.ofSeconds(6),
        "keepwatch-check failing once the lease ran out (3 s)",
        () -> {
          try {
            return check(lease, port);
          } catch (Exception e) {
            throw new java.util.concurrent.CompletionException(e);
          }
        },
        code -> code == 2);
  }

  @Test
  void aStopDuringAReloadLeavesNothingOfItRunning() throws Exception {
    nginx = RealNginx.start(dir.resolve("nginx"));
    String base =
        TestAgentConfig.hocon(
            dir,
            nginx,
            "  restart.enabled = false",
            "  probes { home = null, stub = null, process = null, port.address = \"127.0.0.1:"
                + nginx.port()
                + "\" }");
    Set<Long> before = liveAgentThreads();
    agent = start(base);

    // The new file's probe needs its 3 s timeout for a first verdict: the reload waits for it.
    try (ServerSocket silent = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      Path file = dir.resolve("keepwatch.conf");
      Files.writeString(
          file,
          base
              + "\nkeepwatch.probes.slow { kind = http, url = \"http://127.0.0.1:"
              + silent.getLocalPort()
              + "/\", timeout = 3s, interval = 4s, rise = 1, fall = 1 }\n");
      Agent running = agent;
      CompletableFuture<Agent.Reload> reload =
          CompletableFuture.supplyAsync(
              () -> running.reload(() -> ConfigLoader.load(file).config()));
      Await.until(
          Duration.ofSeconds(5),
          "the reload's probes running",
          () -> namesOf(liveAgentThreads()),
          names -> names.split("keepwatch-scheduler", -1).length > 2);

      agent.close();
      agent = null;
      Agent.Reload outcome = reload.get();
      assertFalse(outcome.applied(), outcome.line());
    }
    Set<Long> left =
        Await.until(
            Duration.ofSeconds(5),
            "every agent thread gone after the stop",
            () -> {
              Set<Long> now = liveAgentThreads();
              now.removeAll(before);
              return now;
            },
            Set::isEmpty);
    assertTrue(left.isEmpty(), namesOf(left));
  }
}
