package io.keepwatch.agent.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Await;
import io.keepwatch.agent.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * keepalived's vrrp_track_process watching the agent for real, as examples/keepalived has it: a
 * restart of the agent goes unnoticed, an agent gone for good puts the instance in FAULT after the
 * delay. keepalived hears of process exits through the kernel's process-events connector, which
 * answers only in the initial pid and network namespaces (the two-node lab's nodes live in their
 * own): so this keepalived runs in the host's, with a veth pair whose other end is in a network
 * namespace the test creates, where its adverts go. Its VIP is a TEST-NET-2 address on the host's
 * end, removed with the pair.
 */
@Timeout(120)
class KeepalivedTracksTheAgentIT {

  static final Path KEEPALIVED = Path.of("/usr/sbin/keepalived");
  static final Path LAUNCHER = Path.of("../scripts/keepwatch").toAbsolutePath().normalize();
  static final String VIP = "198.51.100.77";

  /** The agent's process name as keepalived watches it (the launcher links java to it). */
  static final String NAME = "keepwatch-kwtp";

  @TempDir Path dir;
  String namespace;
  String link;
  Process keepalived;
  Process agent;

  @AfterEach
  void stopEverything() throws Exception {
    for (Process p : new Process[] {agent, keepalived}) {
      if (p != null) {
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
    if (link != null) {
      Commands.run("ip", "link", "del", link);
    }
    if (namespace != null) {
      Commands.run("ip", "netns", "del", namespace);
    }
  }

  boolean vipHeld() {
    try {
      return Commands.run("ip", "-o", "addr", "show", "dev", link).output().contains(VIP + "/");
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  Process startAgent(Path config) throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(LAUNCHER.toString(), "run", "--config", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("agent.log").toFile()));
    builder.environment().put("KEEPWATCH_PROCESS_NAME", NAME);
    return builder.start();
  }

  @Test
  void aRestartGoesUnnoticedAndAnAgentGoneForGoodIsAFault() throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")), "needs root (CI runs as root)");
    Assumptions.assumeTrue(Files.isExecutable(KEEPALIVED), KEEPALIVED + " is not installed");
    // The kernel gives the initial pid namespace a fixed inode (PROC_PID_INIT_INO, 0xEFFFFFFC).
    // NSpid in /proc/self/status cannot tell: a container mounts its own /proc, which lists
    // only the container's own pid.
    String pidNamespace = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
    Assumptions.assumeTrue(
        pidNamespace.equals("pid:[4026531836]"),
        "keepalived's track_process needs the initial pid namespace (the kernel's process-events"
            + " connector answers nowhere else), and this test runs in another one ("
            + pidNamespace
            + ")");
    Assumptions.assumeTrue(
        Files.exists(Path.of("../agent/target/keepwatch.jar")),
        "build the jar first (mvn package)");
    String id = Integer.toString(ThreadLocalRandom.current().nextInt(10000, 99999));
    namespace = "kwtp" + id;
    link = "kwtp" + id + "a";
    Commands.ok("ip", "netns", "add", namespace);
    Commands.ok("ip", "link", "add", link, "type", "veth", "peer", "name", "kwtp" + id + "b");
    Commands.ok("ip", "link", "set", "kwtp" + id + "b", "netns", namespace);
    Commands.ok("ip", "addr", "add", "198.51.100.1/24", "dev", link);
    Commands.ok("ip", "link", "set", link, "up");
    Commands.ok("ip", "-n", namespace, "link", "set", "kwtp" + id + "b", "up");

    Path config = dir.resolve("keepwatch.conf");
    Files.writeString(
        config,
        String.join(
            "\n",
            "keepwatch {",
            "  http.listen = \"127.0.0.1:0\"",
            "  control.socket = \"" + dir.resolve("run/keepwatch.sock") + "\"",
            "  restart.enabled = false",
            "  keepalived { pidfile = \"\", track-process = \"" + NAME + "\" }",
            // UP once keepalived runs: this test is about the agent's process, not nginx.
            "  probes = { keepalived { kind = process, pidfile = \""
                + dir.resolve("keepalived.pid")
                + "\", process-name = keepalived, min-workers = 0 } }",
            "}",
            ""));
    Path keepalivedConf = dir.resolve("keepalived.conf");
    Files.writeString(
        keepalivedConf,
        String.join(
            "\n",
            "vrrp_track_process agent {",
            "    process " + NAME,
            "    delay 2",
            "}",
            "vrrp_instance VI_T {",
            "    state MASTER",
            "    interface " + link,
            "    virtual_router_id 77",
            "    priority 200",
            "    advert_int 1",
            "    virtual_ipaddress {",
            "        " + VIP + "/32",
            "    }",
            "    track_process {",
            "        agent weight 0",
            "    }",
            "}",
            ""));
    agent = startAgent(config);
    keepalived =
        new ProcessBuilder(
                KEEPALIVED.toString(),
                "--dont-fork",
                "--log-console",
                "--vrrp",
                "--use-file",
                keepalivedConf.toString(),
                "--pid",
                dir.resolve("keepalived.pid").toString(),
                "--vrrp_pid",
                dir.resolve("vrrp.pid").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("keepalived.log").toFile())
            .start();
    // The process probe watches keepalived itself, so the agent is UP once keepalived runs.
    Await.until(
        Duration.ofSeconds(20),
        "keepalived MASTER with the agent running (" + dir.resolve("keepalived.log") + ")",
        this::vipHeld,
        held -> held);

    // A restart, as systemctl restart does it: the VIP must never leave.
    agent.destroy();
    assertTrue(agent.waitFor(10, TimeUnit.SECONDS));
    agent = startAgent(config);
    long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
    while (System.nanoTime() < until) {
      assertTrue(vipHeld(), "the VIP left during an agent restart");
      Thread.sleep(20);
    }

    // Gone for good: FAULT after the delay (2 s), within a second more.
    long killed = System.nanoTime();
    Commands.signal("KILL", agent.pid());
    assertTrue(agent.waitFor(10, TimeUnit.SECONDS));
    agent = null;
    Await.until(Duration.ofSeconds(5), "FAULT: the VIP removed", this::vipHeld, held -> !held);
    long tookMs = (System.nanoTime() - killed) / 1_000_000;
    assertTrue(tookMs >= 1500, "FAULT before the delay ran out: " + tookMs + " ms");
    System.out.println("agent SIGKILLed; keepalived removed the VIP after " + tookMs + " ms");
  }
}
