package io.keepwatch.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Agent;
import io.keepwatch.agent.ConfigReloads;
import io.keepwatch.agent.config.ConfigLoader;
import io.keepwatch.agent.endpoints.AgentInfo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {

  @TempDir Path dir;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  int run(String... args) {
    return new Cli(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8))
        .run(args);
  }

  String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void configCheckOfABadFileExits78WithOneLine() throws Exception {
    Path file = dir.resolve("k.conf");
    Files.writeString(file, "keepwatch.probes.port.rise = 0\n");
    assertEquals(78, run("config", "check", file.toString()));
    assertEquals(
        "keepwatch: config error: "
            + file
            + ":1: keepwatch.probes.port.rise: must be between 1 and 1000, got 0\n",
        err());
  }

  @Test
  void runWithABadFileExits78WithoutStarting() throws Exception {
    Path file = dir.resolve("k.conf");
    Files.writeString(file, "keepwatch.http.listen = nowhere\n");
    assertEquals(78, run("run", "--config", file.toString()));
    assertTrue(err().contains(file + ":1: keepwatch.http.listen: must be host:port"), err());
  }

  @Test
  void configCheckPrintsTheEffectiveConfig() throws Exception {
    Path file = dir.resolve("k.conf");
    Files.writeString(file, "keepwatch.probes.port.address = \"127.0.0.1:8080\"\n");
    assertEquals(0, run("config", "check", file.toString()));
    assertTrue(out().contains("address=\"127.0.0.1:8080\""), out());
    assertTrue(out().contains("# " + file + " is valid: 4 probes"), out());
  }

  @Test
  void usageErrorsExit64() {
    assertEquals(64, run());
    assertEquals(64, run("frobnicate"));
    assertEquals(64, run("run", "--config"));
    assertEquals(64, run("config"));
    assertEquals(64, run("version", "extra"));
    assertTrue(err().contains("usage: keepwatch COMMAND [OPTIONS]"), err());
  }

  @Test
  void everyCommandHasHelpWithOneLinePerOption() {
    for (String command :
        new String[] {"run", "status", "maintenance", "reset", "config", "version"}) {
      out.reset();
      assertEquals(0, run(command, "--help"), command);
      String help = out();
      assertTrue(help.startsWith("usage: keepwatch " + command), help);
      assertTrue(help.contains("  --help "), help);
    }
    out.reset();
    assertEquals(0, run("status", "--help"));
    assertTrue(out().contains("\n  --json "), out());
    assertTrue(out().contains("\n  --config FILE "), out());
    out.reset();
    assertEquals(0, run("maintenance", "--help"));
    assertTrue(out().contains("\n  --reason TEXT "), out());
    out.reset();
    assertEquals(0, run("--help"));
    for (String command :
        new String[] {"run", "status", "maintenance", "reset", "config check", "version"}) {
      assertTrue(out().contains("\n  " + command + " "), command + " in " + out());
    }
    out.reset();
    assertEquals(0, run("help", "reset"));
    assertTrue(out().startsWith("usage: keepwatch reset"), out());
  }

  @Test
  void configCheckReportsEveryMistakeOnItsOwnLine() throws Exception {
    Path file = dir.resolve("k.conf");
    Files.writeString(
        file, "keepwatch.restart.max-attempts = 0\nkeepwatch.probes.home.interval = 3x\n");
    assertEquals(78, run("config", "check", file.toString()));
    assertEquals(
        "keepwatch: config error: "
            + file
            + ":1: keepwatch.restart.max-attempts: must be between 1 and 1000, got 0\n"
            + "keepwatch: config error: "
            + file
            + ":2: keepwatch.probes.home.interval: bad duration \"3x\" (write e.g. 200ms, 1s, 5m)\n"
            + "keepwatch: 2 configuration errors\n",
        err());
  }

  @Test
  void version() {
    assertEquals(0, run("version"));
    assertTrue(out().startsWith("keepwatch "), out());
    out.reset();
    assertEquals(0, run("--version"));
    assertTrue(out().startsWith("keepwatch "), out());
  }

  @Test
  void statusOfAnUnreachableAgentExits3() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path file = dir.resolve("k.conf");
    Files.writeString(file, "keepwatch.http.listen = \"127.0.0.1:" + port + "\"\n");
    assertEquals(3, run("status", "--config", file.toString()));
    assertEquals(
        "keepwatch status: cannot reach the agent at http://127.0.0.1:"
            + port
            + "/status: connection refused (is keepwatch running? systemctl status keepwatch)\n",
        err(),
        "in words, without a Java class name (was: ConnectException)");
  }

  @Test
  void controlCommandsOfAnUnreachableAgentSayWhyInWords() throws Exception {
    Path file = dir.resolve("k.conf");
    Path socket = dir.resolve("none/k.sock");
    Files.writeString(file, "keepwatch.control.socket = \"" + socket + "\"\n");
    assertEquals(3, run("reset", "--config", file.toString()));
    assertTrue(
        err().startsWith("keepwatch: cannot reach the agent's control socket " + socket + ": "),
        err());
    assertTrue(!err().matches("(?s).*[A-Z][a-z]+Exception.*"), err());
  }

  /** An agent with no nginx (its verdict comes at once: DOWN), reloadable from {@code file}. */
  String agentConfig(String extra) {
    return "keepwatch { http.listen = \"127.0.0.1:0\", nginx.pidfile = \""
        + dir.resolve("nginx.pid")
        + "\"\n"
        + "control.socket = \""
        + dir.resolve("run/k.sock")
        + "\", restart.enabled = false\n"
        + extra
        + "}\n";
  }

  @Test
  void reloadWaitsForTheOutcomeAndFailsWhenTheAgentRefuses() throws Exception {
    Path file = dir.resolve("k.conf");
    Files.writeString(file, agentConfig(""));
    try (ConfigReloads reloads = new ConfigReloads(() -> ConfigLoader.load(file).config());
        Agent agent =
            Agent.start(
                ConfigLoader.load(file).config(),
                new AgentInfo("9.9", "n1", Instant.now()),
                reloads)) {
      reloads.attach(agent);

      // A good file: applied, and said so on stdout.
      Files.writeString(file, agentConfig("probes.home = null\n"));
      assertEquals(0, run("reload", "--config", file.toString()), err());
      assertTrue(out().startsWith("config reloaded from " + file + ": 3 probes"), out());
      assertEquals(3, agent.config().probes().size());

      // A file the agent refuses (a change only a restart can make): exit 1, one line why.
      Files.writeString(
          file, agentConfig("probes.home = null\ntrack-file.path = \"" + dir + "/track\"\n"));
      assertEquals(1, run("reload", "--config", file.toString()));
      assertEquals(
          "keepwatch: the agent refused (HTTP 409): config reload from "
              + file
              + " refused: keepwatch.track-file changed, which needs a restart (systemctl restart"
              + " keepwatch); keeping the running configuration\n",
          err());
      err.reset();

      // A file that does not load at all: refused before the agent is asked, exit 1.
      Files.writeString(file, agentConfig("probes.home.kind = telepathy\n"));
      assertEquals(1, run("reload", "--config", file.toString()));
      assertTrue(err().startsWith("keepwatch: reload refused: config error: " + file), err());
      assertEquals(1, err().lines().count(), err());
      assertEquals(3, agent.config().probes().size(), "the running configuration stays");
    }
  }

  @Test
  void reloadWithNoAgentExits3() throws Exception {
    Path file = dir.resolve("k.conf");
    Files.writeString(file, agentConfig(""));
    assertEquals(3, run("reload", "--config", file.toString()));
    assertTrue(err().contains("cannot reach the agent's control socket"), err());
  }

  @Test
  void statusOfARunningAgentShowsEveryProbe() throws Exception {
    // An agent whose nginx does not exist: it answers, and the node is not UP.
    Path pidfile = dir.resolve("nginx.pid");
    String config =
        "keepwatch { http.listen = \"127.0.0.1:0\", nginx.pidfile = \""
            + pidfile
            + "\"\n"
            + "control.socket = \""
            + dir.resolve("run/k.sock")
            + "\", restart.enabled = false }\n";
    try (Agent agent =
        Agent.start(
            ConfigLoader.parse(config, "t.conf").config(),
            new AgentInfo("9.9", "n1", Instant.now()))) {
      Path file = dir.resolve("k.conf");
      Files.writeString(
          file, "keepwatch.http.listen = \"127.0.0.1:" + agent.http().port() + "\"\n");
      assertEquals(1, run("status", "--config", file.toString()));
      String shown = out();
      assertTrue(shown.startsWith("STARTING") || shown.startsWith("DOWN"), shown);
      for (String probe : new String[] {"home", "port", "process", "stub"}) {
        assertTrue(shown.contains("  " + probe + " "), shown);
      }
      out.reset();
      assertEquals(1, run("status", "--json", "--config", file.toString()));
      assertTrue(out().contains("\"version\" : \"9.9\""), out());
    }
  }
}
