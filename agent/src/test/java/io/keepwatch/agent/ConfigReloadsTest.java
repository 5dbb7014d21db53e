package io.keepwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.config.AgentConfig;
import io.keepwatch.agent.config.ConfigLoader;
import io.keepwatch.agent.endpoints.AgentInfo;
import io.keepwatch.agent.endpoints.ReloadControl.Outcome;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload is a transaction whatever loading does: a load that blocks or dies is a refused reload,
 * logged and counted, and the next reload is applied. Regression (issue 14): an include of a FIFO
 * blocked the reload thread, a deeply nested value killed it, and every later SIGHUP was silently
 * never applied, with the reload counters at 0.
 */
@Timeout(60)
class ConfigReloadsTest {

  @TempDir Path dir;
  Agent agent;
  ConfigReloads reloads;
  final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void stop() {
    release.countDown();
    if (reloads != null) {
      reloads.close();
    }
    if (agent != null) {
      agent.close();
    }
  }

  String hocon() {
    return String.join(
        "\n",
        "keepwatch {",
        "  http.listen = \"127.0.0.1:0\"",
        "  control.socket = \"" + dir.resolve("run/keepwatch.sock") + "\"",
        "  nginx.pidfile = \"" + dir.resolve("nginx.pid") + "\"",
        // No nginx runs here: the default restart (systemctl restart nginx) would start the
        // machine's own nginx (the fresh container's check caught it).
        "  restart.enabled = false",
        "}");
  }

  @Test
  void aStuckOrDyingLoadIsARefusedReloadAndTheNextOneIsApplied() throws Exception {
    AgentConfig good = ConfigLoader.parse(hocon(), "test.conf").config();
    AtomicInteger loads = new AtomicInteger();
    reloads =
        new ConfigReloads(
            () -> {
              switch (loads.incrementAndGet()) {
                case 1 -> {
                  // blocks as open(2) of a FIFO did; bounded so that the test cannot hang
                  try {
                    var unused = release.await(50, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return good;
                }
                case 2 -> throw new StackOverflowError();
                default -> {
                  return good;
                }
              }
            },
            Duration.ofMillis(500));
    agent = Agent.start(good, new AgentInfo("test", "node", Instant.now()), reloads);
    reloads.attach(agent);

    Outcome stuck = reloads.reload().get(20, TimeUnit.SECONDS);
    assertFalse(stuck.applied());
    assertTrue(stuck.line().contains("did not load within 500 ms"), stuck.line());

    Outcome died = reloads.reload().get(20, TimeUnit.SECONDS);
    assertFalse(died.applied());
    assertTrue(died.line().contains("could not be loaded: stack overflow"), died.line());

    Outcome applied = reloads.reload().get(20, TimeUnit.SECONDS);
    assertTrue(applied.applied(), applied.line());

    // /metrics may serve a scrape a moment old: wait for the counts
    Await.until(
        Duration.ofSeconds(10),
        "2 refused and 1 applied reload counted",
        () -> get("/metrics"),
        m ->
            m.contains("keepwatch_config_reloads_total{result=\"refused\",} 2.0")
                && m.contains("keepwatch_config_reloads_total{result=\"applied\",} 1.0"));
    assertEquals(3, loads.get());
  }

  String get(String path) {
    try {
      return LoopbackHttp.body(agent.http().port(), path);
    } catch (java.io.IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
