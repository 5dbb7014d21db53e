package io.keepwatch.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keepwatch.agent.Agent;
import io.keepwatch.agent.Await;
import io.keepwatch.agent.Commands;
import io.keepwatch.agent.config.ConfigLoader;
import io.keepwatch.agent.endpoints.AgentInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real keepalived 2.2.7 in a network namespace this test creates (a veth pair with both ends and
 * its TEST-NET-2 addresses inside it), driven by the agent's track_file and reporting back through
 * the notify FIFO.
 */
// Writing to a FIFO blocks until a reader has it open: bound every test, never hang the build.
@org.junit.jupiter.api.Timeout(value = 60, unit = java.util.concurrent.TimeUnit.SECONDS)
class KeepalivedInNamespaceTest {

  /** One client for the class: a client per request would leave a selector thread each. */
  static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();

  static final Path KEEPALIVED = Path.of("/usr/sbin/keepalived");
  static final String VIP = "198.51.100.10";
  static final Duration DEADLINE = Duration.ofSeconds(20);

  @TempDir Path dir;
  String namespace;
  RealNginx nginx;
  Agent agent;
  Process keepalived;

  @AfterEach
  void stopEverything() throws Exception {
    try {
      if (agent != null) {
        agent.close();
      }
      if (keepalived != null) {
        keepalived.destroy(); // SIGTERM to its pid: keepalived removes the VIP and exits
        if (!keepalived.waitFor(10, TimeUnit.SECONDS)) {
          keepalived.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
      if (nginx != null) {
        nginx.close();
      }
    } finally {
      // Whatever failed above or in the test, the namespace (and the veth pair in it) goes.
      if (namespace != null) {
        Commands.run("ip", "netns", "del", namespace);
      }
    }
  }

  static String run(String... argv) throws IOException, InterruptedException {
    return Commands.ok(argv).output();
  }

  String vipAddresses() {
    try {
      return run("ip", "-n", namespace, "-o", "addr", "show", "dev", "vrrp0");
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  String agentVrrp() {
    try {
      var response =
          HTTP.send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create("http://127.0.0.1:" + agent.http().port() + "/status"))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      var status = com.typesafe.config.ConfigFactory.parseString(response.body());
      return status.hasPath("vrrp.VI_1.state") ? status.getString("vrrp.VI_1.state") : "";
    } catch (IOException | InterruptedException e) {
      return "unreachable";
    }
  }

  @Test
  void trackFileMovesKeepalivedAndTheFifoReportsItsRealState() throws Exception {
    NetworkNamespaces.assumeUsable();
    namespace = "kw" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
    run("ip", "netns", "add", namespace);
    // A veth pair with both ends inside the namespace: VRRP adverts stay there.
    run("ip", "-n", namespace, "link", "add", "vrrp0", "type", "veth", "peer", "name", "vrrp1");
    run("ip", "-n", namespace, "link", "set", "vrrp1", "up");
    run("ip", "-n", namespace, "link", "set", "vrrp0", "up");
    run("ip", "-n", namespace, "addr", "add", "198.51.100.2/24", "dev", "vrrp0");

    nginx = RealNginx.start(dir.resolve("nginx"));
    Path track = dir.resolve("track");
    Path fifo = dir.resolve("vrrp.fifo");
    agent =
        Agent.start(
            ConfigLoader.parse(
                    TestAgentConfig.hocon(
                        dir,
                        nginx,
                        "  restart.enabled = false",
                        "  track-file.path = \"" + track + "\"",
                        "  keepalived.notify-fifo = \"" + fifo + "\"",
                        "  probes { home = null, stub = null, port.address = \"127.0.0.1:"
                            + nginx.port()
                            + "\" }"),
                    "test.conf")
                .config(),
            new AgentInfo("test", "n1", Instant.now()));
    Await.until(DEADLINE, "track file 1", () -> read(track), "1"::equals);

    Path conf = dir.resolve("keepalived.conf");
    Files.writeString(
        conf,
        String.join(
            "\n",
            "global_defs {",
            "  vrrp_notify_fifo " + fifo,
            "  script_user root",
            "}",
            "track_file keepwatch {",
            "  file " + track,
            "}",
            "vrrp_instance VI_1 {",
            "  state BACKUP",
            "  interface vrrp0",
            "  virtual_router_id 51",
            "  priority 100",
            "  advert_int 1",
            "  virtual_ipaddress {",
            "    " + VIP + "/24",
            "  }",
            "  track_file {",
            "    keepwatch weight 0 reverse",
            "  }",
            "}",
            ""));
    List<String> argv =
        new ArrayList<>(
            List.of(
                "ip",
                "netns",
                "exec",
                namespace,
                KEEPALIVED.toString(),
                "--dont-fork",
                "--log-console",
                "--log-detail",
                "--vrrp",
                "--use-file",
                conf.toString(),
                "--pid",
                dir.resolve("keepalived.pid").toString(),
                "--vrrp_pid",
                dir.resolve("vrrp.pid").toString()));
    keepalived =
        new ProcessBuilder(argv)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("keepalived.log").toFile())
            .start();

    // Alone on its link, the instance becomes MASTER after the master-down interval.
    Await.until(DEADLINE, "VI_1 MASTER in the agent", this::agentVrrp, "MASTER"::equals);
    Await.until(DEADLINE, "the VIP on vrrp0", this::vipAddresses, a -> a.contains(VIP + "/24"));

    // nginx fails: the agent writes 0, keepalived reads it through inotify and goes FAULT.
    nginx.killAll();
    Await.until(DEADLINE, "track file 0", () -> read(track), "0"::equals);
    Await.until(DEADLINE, "VI_1 FAULT in the agent", this::agentVrrp, "FAULT"::equals);
    Await.until(DEADLINE, "the VIP gone", this::vipAddresses, a -> !a.contains(VIP));

    // nginx back: 1, keepalived leaves FAULT and takes the VIP again.
    nginx.startMaster();
    Await.until(DEADLINE, "VI_1 MASTER again", this::agentVrrp, "MASTER"::equals);
    Await.until(DEADLINE, "the VIP back", this::vipAddresses, a -> a.contains(VIP + "/24"));

    // The agent stops: it writes 0 on the way out, and keepalived lets the VIP go.
    agent.close();
    agent = null;
    assertEquals("0", read(track));
    Await.until(
        DEADLINE,
        "the VIP gone after the agent stopped",
        this::vipAddresses,
        a -> !a.contains(VIP));
  }

  static String read(Path file) {
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      return "";
    }
  }
}
