package io.keepwatch.agent.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Await;
import io.keepwatch.agent.config.AgentConfig;
import io.keepwatch.agent.config.ConfigLoader;
import io.keepwatch.agent.verdict.Judge;
import io.keepwatch.probes.ProbeResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A supervisor acts only between start and close: a reload builds the next one while the old one is
 * in charge, and lets the old one's probes run a little after its close.
 */
@Timeout(30)
class SupervisorLifecycleTest {

  @TempDir Path dir;
  final ScheduledThreadPoolExecutor loop = new ScheduledThreadPoolExecutor(1);
  final ExecutorService actions = Executors.newSingleThreadExecutor();

  @AfterEach
  void stop() {
    loop.shutdownNow();
    actions.shutdownNow();
  }

  /** A supervisor whose restart command appends a line to restarts.log, over one tcp probe. */
  Supervisor supervisor(Judge judge, AgentConfig config) {
    return new Supervisor(
        config,
        "n1",
        judge,
        loop,
        actions,
        new ActionJournal(Clock.systemUTC()),
        new Supervisor.Observer() {
          @Override
          public void restartFinished(boolean worked) {}

          @Override
          public void escalated() {}
        },
        Clock.systemUTC(),
        System::nanoTime,
        () -> {});
  }

  AgentConfig config() throws Exception {
    Path log = dir.resolve("restarts.log");
    return ConfigLoader.parse(
            String.join(
                "\n",
                "keepwatch {",
                "  control.socket = \"" + dir.resolve("keepwatch.sock") + "\"",
                "  nginx { config-test = [\"/bin/true\"], restart = [\"/bin/sh\", \"-c\", \"echo restart >> "
                    + log
                    + "\"] }",
                "  restart.hold-vip = 0s",
                "  probes = { port { kind = tcp, address = \"127.0.0.1:9\", rise = 1, fall = 1 } }",
                "}"),
            "test.conf")
        .config();
  }

  void record(Judge judge, ProbeResult result) throws Exception {
    loop.submit(() -> judge.record("port", result)).get(5, TimeUnit.SECONDS);
  }

  long restarts() throws Exception {
    Path log = dir.resolve("restarts.log");
    return Files.exists(log) ? Files.readAllLines(log).size() : 0;
  }

  @Test
  void actsOnlyBetweenStartAndClose() throws Exception {
    AgentConfig config = config();
    Judge judge = new Judge(config.probes(), Clock.systemUTC());
    Supervisor supervisor = supervisor(judge, config);
    judge.addListener(supervisor);

    record(judge, ProbeResult.failed(ProbeResult.Outcome.CONNECT_FAILED, "refused"));
    // Not started (a reload's next supervisor, still waiting for its turn): nothing may happen.
    // An absence cannot be awaited; 500 ms is far longer than /bin/true and the restart take.
    Thread.sleep(500);
    assertEquals(0, restarts(), "a supervisor that was not started restarted nginx");
    assertTrue(
        supervisor.maintenance(true, "x").handle((line, e) -> e).get(5, TimeUnit.SECONDS)
            instanceof IllegalStateException,
        "an operator's change before start is refused");

    // Started while the probes already say DOWN: it takes the failure on at once.
    loop.submit(supervisor::start).get(5, TimeUnit.SECONDS);
    Await.until(
        Duration.ofSeconds(5),
        "the restart",
        () -> {
          try {
            return restarts();
          } catch (Exception e) {
            throw new CompletionException(e);
          }
        },
        n -> n == 1);

    // Closed (the old core during a reload): a new failure is no longer acted on.
    loop.submit(supervisor::close).get(5, TimeUnit.SECONDS);
    record(judge, ProbeResult.ok("connected"));
    record(judge, ProbeResult.failed(ProbeResult.Outcome.CONNECT_FAILED, "refused"));
    Thread.sleep(500);
    assertEquals(1, restarts(), "a closed supervisor restarted nginx");
    assertFalse(Files.exists(dir.resolve("maintenance.json")), "nothing saved while inactive");
  }
}
