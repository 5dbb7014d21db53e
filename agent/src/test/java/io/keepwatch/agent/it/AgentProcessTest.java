package io.keepwatch.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Await;
import io.keepwatch.agent.Commands;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent as its own process (the CLI's "run", on this test's classpath), for what only a real
 * process shows: SIGHUP reloads, and SIGKILL in the middle of a restart leaves no orphan.
 */
@Timeout(90)
class AgentProcessTest {

  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  static final Duration DEADLINE = Duration.ofSeconds(20);

  @TempDir Path dir;
  RealNginx nginx;
  final List<Process> agents = new ArrayList<>();
  int port;

  @AfterEach
  void stop() throws Exception {
    for (Process p : agents) {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (nginx != null) {
      nginx.close();
    }
  }

  Process startAgent(Path config, Path log) throws IOException {
    return startAgent(config, log, java.util.Map.of());
  }

  Process startAgent(Path config, Path log, java.util.Map<String, String> environment)
      throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // Signal dispositions are inherited: a build started under nohup would hand the agent an
    // ignored SIGHUP, which the JVM then leaves ignored. Reset it to the default, then exec java.
    ProcessBuilder builder =
        new ProcessBuilder(
                "/usr/bin/python3",
                "-c",
                "import os, signal, sys; signal.signal(signal.SIGHUP, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])",
                java,
                "-cp",
                System.getProperty("java.class.path"),
                "io.keepwatch.agent.Main",
                "run",
                "--config",
                config.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    Process p = builder.start();
    agents.add(p);
    return p;
  }

  /** Runs of the probe so far, from /metrics (rendered at most once a second). */
  double probeRuns(String probe) {
    String prefix =
        "keepwatch_probe_duration_seconds_count{kind=\"tcp\",probe=\"" + probe + "\",} ";
    return get("/metrics")
        .lines()
        .filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
        .findFirst()
        .orElse(-1);
  }

  static final Path LIBFAKETIME = Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1");

  /**
   * The wall clock steps an hour back, then a year forward, as a bad NTP step or an operator's date
   * command would (libfaketime moves CLOCK_REALTIME only, for the agent's process only). Probes
   * keep their pace, nothing flaps, nothing restarts: timing uses the monotonic clock.
   */
  @Test
  void wallClockJumpsChangeNothing() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Files.exists(LIBFAKETIME), "libfaketime (Debian: faketime) is not installed");
    nginx = RealNginx.start(dir.resolve("nginx"));
    port = RealNginx.freePort();
    Path file = dir.resolve("keepwatch.conf");
    Path log = dir.resolve("agent.log");
    Path offset = dir.resolve("faketime");
    Files.writeString(offset, "+0\n");
    Files.writeString(
        file,
        config(
            "  restart.enabled = false",
            "  probes { home = null, stub = null, process = null, port.address = \"127.0.0.1:"
                + nginx.port()
                + "\" }"));
    Process agent =
        startAgent(
            file,
            log,
            java.util.Map.of(
                "LD_PRELOAD",
                LIBFAKETIME.toString(),
                "FAKETIME_TIMESTAMP_FILE",
                offset.toString(),
                "FAKETIME_CACHE_DURATION",
                "1",
                "FAKETIME_DONT_FAKE_MONOTONIC",
                "1"));
    Await.until(DEADLINE, "UP", () -> get("/check"), "UP\n"::equals);

    // libfaketime slows every clock read of the JVM, so the pace is compared with its own
    // baseline, measured the same way in the same process before any jump.
    double baseline = 0;
    for (String jump : List.of("+0", "-1h", "+365d")) {
      double before =
          Await.until(DEADLINE, "probe runs in /metrics", () -> probeRuns("port"), n -> n > 0);
      long started = System.nanoTime();
      Files.writeString(offset, jump + "\n");
      Thread.sleep(4000); // the pace of the probes over 4 s is what is measured
      double after =
          Await.until(DEADLINE, "a fresh /metrics", () -> probeRuns("port"), n -> n > before);
      double perSecond = (after - before) / ((System.nanoTime() - started) / 1e9);
      if (jump.equals("+0")) {
        baseline = perSecond;
        assertTrue(
            baseline > 0.5, "probes barely ran under libfaketime: " + baseline + " a second");
        continue;
      }
      // A wall-clock scheduler would stall for an hour after "-1h" (ratio 0) or fire a year's
      // backlog after "+365d" (ratio far above 1).
      double ratio = perSecond / baseline;
      assertTrue(
          ratio > 0.5 && ratio < 2,
          jump + ": " + perSecond + " probe runs a second, baseline " + baseline);
      assertEquals("UP\n", get("/check"), jump);
    }
    // The jump was real for the agent: its probes' last results carry next year's date.
    String nextYear = Integer.toString(java.time.Year.now(java.time.ZoneOffset.UTC).getValue() + 1);
    assertTrue(
        get("/status").matches("(?s).*\"at\" ?: ?\"" + nextYear + "-.*"),
        "libfaketime did not move the clock: " + get("/status"));
    String lines = read(log);
    assertTrue(lines.lines().noneMatch(l -> l.contains("-> DOWN") || l.contains("restart")), lines);
    assertTrue(agent.isAlive());
  }

  String config(String... lines) {
    List<String> all = new ArrayList<>(List.of(lines));
    all.add(0, "  http.listen = \"127.0.0.1:" + port + "\"");
    return TestAgentConfig.hocon(dir, nginx, all.toArray(String[]::new))
        .replace("  http.listen = \"127.0.0.1:0\"\n", "");
  }

  String get(String path) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (Exception e) {
      return "";
    }
  }

  static String array(List<String> argv) {
    return argv.stream()
        .map(a -> "\"" + a + "\"")
        .collect(java.util.stream.Collectors.joining(", ", "[", "]"));
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }

  @Test
  void sighupReloadsAGoodFileAndKeepsTheRunningConfigOnABadOne() throws Exception {
    nginx = RealNginx.start(dir.resolve("nginx"));
    port = RealNginx.freePort();
    String probes =
        "  probes { home = null, stub = null, port.address = \"127.0.0.1:" + nginx.port() + "\"";
    Path file = dir.resolve("keepwatch.conf");
    Path log = dir.resolve("agent.log");
    Files.writeString(file, config("  restart.enabled = false", probes, "  }"));
    Process agent = startAgent(file, log);
    Await.until(DEADLINE, "UP", () -> get("/check"), "UP\n"::equals);

    Files.writeString(
        file,
        config(
            "  restart.enabled = false",
            probes,
            "    extra { kind = tcp, address = \"127.0.0.1:" + nginx.port() + "\" }",
            "  }"));
    Commands.signal("HUP", agent.pid());
    Await.until(
        DEADLINE,
        "the extra probe in /status (agent log: " + log + ")",
        () -> get("/status"),
        s -> s.contains("\"extra\"") || !agent.isAlive());
    assertTrue(get("/status").contains("\"extra\""), read(log));
    Await.until(
        DEADLINE,
        "the reload in the log",
        () -> read(log),
        l -> l.contains("config reloaded from " + file));

    Files.writeString(file, "keepwatch { probes { port { interval = soon } } }\n");
    Commands.signal("HUP", agent.pid());
    Await.until(
        DEADLINE,
        "the refusal in the log",
        () -> read(log),
        l -> l.contains("config reload refused"));
    String refusal =
        read(log)
            .lines()
            .filter(l -> l.contains("config reload refused"))
            .findFirst()
            .orElseThrow();
    assertTrue(refusal.contains(file + ":1") && refusal.contains("interval"), refusal);
    assertTrue(get("/status").contains("\"extra\""), "the running config stays");
    assertEquals("UP\n", get("/check"));
    assertTrue(agent.isAlive());
  }

  /**
   * The listeners that outlive a reload (here systemd's STATUS) hear the verdict of the
   * configuration a reload brought, at once and after, not only the one the agent started with.
   */
  @Test
  void systemdHearsTheVerdictAfterAReload() throws Exception {
    nginx = RealNginx.start(dir.resolve("nginx"));
    port = RealNginx.freePort();
    String probes =
        "  probes { home = null, stub = null, process = null, port.address = \"127.0.0.1:"
            + nginx.port()
            + "\"";
    Path file = dir.resolve("keepwatch.conf");
    Path log = dir.resolve("agent.log");
    Path notifySocket = dir.resolve("notify.sock");
    Path heard = dir.resolve("notify.log");
    // Prints every datagram it gets on a line of its own, as systemd would read them.
    Process systemd =
        new ProcessBuilder(
                "/usr/bin/python3",
                "-c",
                """
                import socket, sys
                s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                s.bind(sys.argv[1])
                print('bound', flush=True)
                while True:
                    print(s.recv(4096).decode().replace('\\n', '|'), flush=True)
                """,
                notifySocket.toString())
            .redirectErrorStream(true)
            .redirectOutput(heard.toFile())
            .start();
    try {
      Await.until(DEADLINE, "the receiver bound", () -> read(heard), l -> l.contains("bound"));
      Files.writeString(file, config("  restart.enabled = false", probes, "  }"));
      Process agent =
          startAgent(file, log, java.util.Map.of("NOTIFY_SOCKET", notifySocket.toString()));
      Await.until(
          DEADLINE, "READY and UP", () -> read(heard), l -> l.contains("READY=1|STATUS=UP"));

      // The new file adds a critical probe of a port nobody listens on: the verdict is DOWN.
      int closed = RealNginx.freePort();
      Files.writeString(
          file,
          config(
              "  restart.enabled = false",
              probes,
              "    dead { kind = tcp, address = \"127.0.0.1:" + closed + "\", rise = 1, fall = 1 }",
              "  }"));
      Commands.signal("HUP", agent.pid());
      Await.until(
          DEADLINE,
          "systemd told the reloaded verdict (agent log: " + log + ")",
          () -> read(heard),
          l -> l.contains("STATUS=DOWN dead: connect to 127.0.0.1:" + closed));
      assertTrue(agent.isAlive());
    } finally {
      systemd.destroy();
      systemd.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void sigkillDuringARestartLeavesNoOrphanAndTheNextAgentResumes() throws Exception {
    nginx = RealNginx.startDaemon(dir.resolve("nginx"));
    port = RealNginx.freePort();
    String probes =
        "  probes { home = null, stub = null, port.address = \"127.0.0.1:" + nginx.port() + "\" }";
    // A restart that hangs: the agent will be killed while it runs.
    Path hanging = dir.resolve("hanging.conf");
    Files.writeString(
        hanging,
        config(
            probes,
            "  nginx { config-test = [\"/bin/true\"], restart = [\"/bin/sleep\", \"3600\"] }",
            "  restart.hold-vip = 0s"));
    Process first = startAgent(hanging, dir.resolve("first.log"));
    Await.until(DEADLINE, "UP", () -> get("/check"), "UP\n"::equals);

    nginx.stop();
    Optional<ProcessHandle> command =
        Await.until(
            DEADLINE,
            "the restart command running",
            () ->
                first
                    .toHandle()
                    .descendants()
                    .filter(h -> h.info().command().orElse("").endsWith("sleep"))
                    .findFirst(),
            Optional::isPresent);
    long commandPid = command.get().pid();

    Commands.signal("KILL", first.pid());
    assertTrue(first.waitFor(10, TimeUnit.SECONDS));
    Await.until(
        Duration.ofSeconds(5),
        "the restart command gone with the agent",
        () -> ProcessHandle.of(commandPid).map(ProcessHandle::isAlive).orElse(false),
        alive -> !alive);

    // The next agent (as systemd would start it) finds nginx down and restarts it for real.
    Path working = dir.resolve("working.conf");
    Files.writeString(
        working,
        config(
            probes,
            "  nginx { config-test = "
                + array(nginx.configTestCommand())
                + ", restart = "
                + array(nginx.startCommand())
                + " }"));
    startAgent(working, dir.resolve("second.log"));
    Await.until(
        DEADLINE, "UP through the second agent's restart", () -> get("/check"), "UP\n"::equals);
    nginx.remember(); // the master the agent started, so close() stops it
  }
}
