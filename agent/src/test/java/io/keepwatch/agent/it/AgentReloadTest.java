package io.keepwatch.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Agent;
import io.keepwatch.agent.Await;
import io.keepwatch.agent.config.ConfigLoader;
import io.keepwatch.agent.endpoints.AgentInfo;
import io.keepwatch.agent.verdict.NodeState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Config reload against a real nginx: a broken file, or a change only a restart can make, is
 * refused with the reason and the running configuration kept; a good file is applied without a
 * single /check answer other than 200 while it happens.
 */
@Timeout(60)
class AgentReloadTest {

  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir Path dir;
  RealNginx nginx;
  Agent agent;
  Path file;

  @AfterEach
  void stop() throws Exception {
    if (agent != null) {
      agent.close();
    }
    if (nginx != null) {
      nginx.close();
    }
  }

  String config(String... probes) {
    String[] lines = new String[probes.length + 3];
    lines[0] = "  restart.enabled = false";
    lines[1] =
        "  probes { home = null, stub = null, port.address = \"127.0.0.1:" + nginx.port() + "\"";
    System.arraycopy(probes, 0, lines, 2, probes.length);
    lines[lines.length - 1] = "  }";
    return TestAgentConfig.hocon(dir, nginx, lines);
  }

  Agent.Reload reloadWith(String text) throws Exception {
    Files.writeString(file, text);
    return agent.reload(() -> ConfigLoader.load(file).config());
  }

  String metrics() {
    try {
      return get("/metrics");
    } catch (Exception e) {
      return "";
    }
  }

  List<String> probeNames() {
    return agent.judge().snapshot().probes().stream().map(p -> p.spec().name()).sorted().toList();
  }

  int check() {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + agent.http().port() + "/check"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  String get(String path) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.http().port() + path))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  @Test
  void aReloadLetsARunningRestartFinish() throws Exception {
    nginx = RealNginx.startDaemon(dir.resolve("nginx"));
    file = dir.resolve("keepwatch.conf");
    Path done = dir.resolve("restart-finished");
    // A restart that takes a second, then marks that it ran to its end, then starts nginx.
    String restart = TestAgentConfig.restartThatTakesASecond(nginx, done);
    String text =
        TestAgentConfig.hocon(
            dir,
            nginx,
            "  nginx { config-test = [\"/bin/true\"], restart = " + restart + " }",
            "  restart.hold-vip = 0s",
            "  probes { home = null, stub = null, port.address = \"127.0.0.1:"
                + nginx.port()
                + "\" }");
    Files.writeString(file, text);
    agent =
        Agent.start(ConfigLoader.load(file).config(), new AgentInfo("test", "n1", Instant.now()));
    Await.until(
        Duration.ofSeconds(10),
        "UP",
        () -> agent.judge().snapshot().verdict().state(),
        NodeState.UP::equals);

    nginx.stop();
    Await.until(
        Duration.ofSeconds(10),
        "the restart running",
        () -> agent.judge().snapshot().verdict().state(),
        NodeState.RECOVERING::equals);
    Agent.Reload reload = reloadWith(text + "\n# reloaded\n");
    assertTrue(reload.applied(), reload.line());
    assertTrue(Files.exists(done), "the reload cut the running restart short");
    Await.until(
        Duration.ofSeconds(10),
        "UP after the restart",
        () -> agent.judge().snapshot().verdict().state(),
        NodeState.UP::equals);
    nginx.remember();
  }

  @Test
  void badOrRestartOnlyChangesAreRefusedAndGoodOnesAppliedWithoutAGap() throws Exception {
    nginx = RealNginx.start(dir.resolve("nginx"));
    file = dir.resolve("keepwatch.conf");
    Files.writeString(file, config());
    agent =
        Agent.start(ConfigLoader.load(file).config(), new AgentInfo("test", "n1", Instant.now()));
    Await.until(
        Duration.ofSeconds(10),
        "UP",
        () -> agent.judge().snapshot().verdict().state(),
        NodeState.UP::equals);

    // keepalived's view during everything below: /check every 5 ms from another thread.
    List<Integer> notOk = new CopyOnWriteArrayList<>();
    AtomicInteger asked = new AtomicInteger();
    AtomicBoolean polling = new AtomicBoolean(true);
    Thread poller =
        new Thread(
            () -> {
              for (int i = 0; i < 20_000 && polling.get(); i++) {
                int status = check();
                asked.incrementAndGet();
                if (status != 200) {
                  notOk.add(status);
                }
                try {
                  Thread.sleep(5);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    poller.start();

    Agent.Reload broken = reloadWith(config() + "\nkeepwatch.restart.max-attempts = many\n");
    assertFalse(broken.applied());
    assertTrue(
        broken.line().contains(file + ":") && broken.line().contains("max-attempts"),
        broken.line());
    assertTrue(broken.line().endsWith("keeping the running configuration"), broken.line());

    Agent.Reload listen = reloadWith(config().replace("127.0.0.1:0", "127.0.0.1:1"));
    assertFalse(listen.applied());
    assertTrue(
        listen.line().contains("keepwatch.http.listen changed, which needs a restart"),
        listen.line());
    assertEquals(List.of("port", "process"), probeNames(), "the running probes stay");

    Agent.Reload added =
        reloadWith(
            config("    extra { kind = tcp, address = \"127.0.0.1:" + nginx.port() + "\" }"));
    assertTrue(added.applied(), added.line());
    assertEquals(List.of("extra", "port", "process"), probeNames());
    assertTrue(get("/status").contains("\"extra\""));
    // /metrics is rendered at most once a second: wait for a fresh page.
    Await.until(
        Duration.ofSeconds(10),
        "the new probe and both reload outcomes in /metrics",
        this::metrics,
        m ->
            m.contains("keepwatch_probe_up{critical=\"true\",kind=\"tcp\",probe=\"extra\",} 1.0")
                && m.contains("keepwatch_config_reloads_total{result=\"refused\",} 2.0")
                && m.contains("keepwatch_config_reloads_total{result=\"applied\",} 1.0"));

    Agent.Reload removed = reloadWith(config());
    assertTrue(removed.applied(), removed.line());
    Await.until(
        Duration.ofSeconds(10),
        "the removed probe's series gone from /metrics",
        this::metrics,
        m ->
            m.contains("keepwatch_config_reloads_total{result=\"applied\",} 2.0")
                && !m.contains("probe=\"extra\""));

    polling.set(false);
    poller.join(5000);
    assertTrue(asked.get() > 10, "the poller asked " + asked.get() + " times");
    assertEquals(
        List.of(), notOk, "/check answered other than 200 during reloads (of " + asked.get() + ")");
  }
}
