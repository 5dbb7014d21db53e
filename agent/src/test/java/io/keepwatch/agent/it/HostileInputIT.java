package io.keepwatch.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Await;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: nothing from outside kills, wedges or silently disables the agent. Each input of the
 * issue is fed to the agent as its own process, started by the real launcher (scripts/keepwatch, so
 * with its heap limit and JVM flags); the agent must stay alive, keep answering /check as the input
 * calls for and say what it refused. The heap used after each input is printed (the figures of
 * docs/reliability.md).
 */
@Timeout(300)
class HostileInputIT {

  static final Duration DEADLINE = Duration.ofSeconds(20);
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir Path dir;
  final List<Process> processes = new ArrayList<>();
  ServerSocket upstream;
  int port;
  Path log;
  Process agent;

  @AfterEach
  void stop() throws Exception {
    for (Process p : processes) {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  /** A loopback port that accepts connections: what the tcp probe of a healthy node sees. */
  int healthyPort() throws IOException {
    upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    ServerSocket server = upstream;
    Thread accepter =
        new Thread(
            () -> {
              while (!server.isClosed()) { // ends when stop() closes the socket
                try {
                  server.accept().close();
                } catch (IOException e) {
                  return;
                }
              }
            },
            "test-upstream");
    accepter.setDaemon(true);
    accepter.start();
    return upstream.getLocalPort();
  }

  Path config(String... lines) throws IOException {
    List<String> all = new ArrayList<>();
    all.add("keepwatch {");
    all.add("  http.listen = \"127.0.0.1:" + port + "\"");
    all.add("  control.socket = \"" + dir.resolve("run/k.sock") + "\"");
    all.add("  nginx.pidfile = \"" + dir.resolve("nginx.pid") + "\"");
    all.add("  restart.enabled = false");
    all.add("  keepalived.pidfile = \"\"");
    all.addAll(List.of(lines));
    all.add("}");
    return Files.writeString(dir.resolve("keepwatch.conf"), String.join("\n", all) + "\n");
  }

  /** {@code keepwatch run} through the launcher, SIGHUP at its default disposition. */
  Process start(Path config, String... javaOpts) throws IOException {
    log = dir.resolve("agent-" + processes.size() + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(
                "/usr/bin/python3",
                "-c",
                "import os, signal, sys; signal.signal(signal.SIGHUP, signal.SIG_DFL);"
                    + " os.execv(sys.argv[1], sys.argv[1:])",
                LauncherIT.LAUNCHER.toString(),
                "run",
                "--config",
                config.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().remove("JOURNAL_STREAM");
    builder.environment().put("KEEPWATCH_JAVA_OPTS", String.join(" ", javaOpts));
    Process p = builder.start();
    processes.add(p);
    return p;
  }

  Process startAgent(String... lines) throws IOException {
    port = RealNginx.freePort();
    agent = start(config(lines));
    awaitCheck(a -> !a.isEmpty());
    return agent;
  }

  /** "STATUS BODY" of GET /check, or "" when it does not answer. */
  String check() {
    return get("/check").map(r -> r.statusCode() + " " + r.body().strip()).orElse("");
  }

  java.util.Optional<HttpResponse<String>> get(String path) {
    try {
      return java.util.Optional.of(
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                  .timeout(Duration.ofSeconds(3))
                  .build(),
              HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)));
    } catch (IOException e) {
      return java.util.Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return java.util.Optional.empty();
    }
  }

  /** The value of one line of /metrics, -1 when it is not there. */
  double metric(String series) {
    return get("/metrics")
        .map(HttpResponse::body)
        .orElse("")
        .lines()
        .filter(l -> l.startsWith(series + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1)))
        .findFirst()
        .orElse(-1);
  }

  String awaitCheck(java.util.function.Predicate<String> ok) {
    return Await.until(DEADLINE, "the agent's /check answer", this::check, ok);
  }

  /** Waits until /status (each probe's last result, as it is now) holds {@code text}. */
  void awaitStatus(String text) {
    Await.until(
        DEADLINE,
        "/status with " + text,
        () -> get("/status").map(HttpResponse::body).orElse(""),
        b -> b.contains(text));
  }

  String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  void awaitLog(String text) {
    Await.until(DEADLINE, "a log line with " + text, this::logText, l -> l.contains(text));
  }

  /** Alive, answering, and how much heap it uses now (printed for docs/reliability.md). */
  void assertAliveAndAnswering(String after) {
    assertTrue(agent.isAlive(), "the agent died after " + after + ":\n" + logText());
    assertFalse(check().isEmpty(), "the agent stopped answering after " + after);
    String heap =
        get("/metrics")
            .map(HttpResponse::body)
            .orElse("")
            .lines()
            .filter(l -> l.startsWith("jvm_memory_used_bytes") && l.contains("area=\"heap\""))
            .map(l -> l.substring(l.lastIndexOf(' ') + 1))
            .collect(Collectors.joining(" + "));
    System.out.println("HostileInputIT: heap used after " + after + ": " + heap + " bytes");
  }

  /** The launcher's other commands (reload, config check, maintenance, status). */
  LauncherIT.Run cli(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of(LauncherIT.LAUNCHER.toString()));
    argv.addAll(List.of(args));
    Path out = dir.resolve("cli.out");
    Path err = dir.resolve("cli.err");
    ProcessBuilder builder =
        new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().remove("JOURNAL_STREAM");
    Process p = builder.start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("keepwatch " + String.join(" ", args) + " did not exit");
    }
    return new LauncherIT.Run(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  static Path mkfifo(Path path) throws Exception {
    assertEquals(0, new ProcessBuilder("mkfifo", path.toString()).start().waitFor());
    return path;
  }

  @Test
  void pidfileOfTenMegabytesDevZeroOrAFifo() throws Exception {
    Path pidfile = dir.resolve("nginx.pid");
    Files.write(pidfile, "4".repeat(10 << 20).getBytes(StandardCharsets.US_ASCII));
    startAgent("  probes { home = null, stub = null, port = null }");
    awaitCheck(a -> a.contains("is 10485760 bytes, more than the limit of 32"));
    assertAliveAndAnswering("a 10 MB pidfile");

    Files.delete(pidfile);
    Files.createSymbolicLink(pidfile, Path.of("/dev/zero"));
    // the verdict stays DOWN with the reason it fell for; each probe's last result is in /status
    awaitStatus(pidfile + " is not a regular file (a FIFO, socket or device)");
    assertAliveAndAnswering("a pidfile linked to /dev/zero");

    Files.delete(pidfile);
    mkfifo(pidfile);
    String runs = "keepwatch_probe_duration_seconds_count{kind=\"process\",probe=\"process\",}";
    double before = metric(runs);
    awaitStatus(pidfile + " is not a regular file (a FIFO, socket or device)");
    // the probe keeps running: no thread stuck in open(2) of the FIFO
    Await.until(DEADLINE, "more process probe runs", () -> metric(runs), n -> n > before + 5);
    assertTrue(check().startsWith("503 DOWN process: pidfile "), check());
    assertAliveAndAnswering("a FIFO at the pidfile path");
  }

  @Test
  void maintenanceStateFileOfEightMegabytesOrAFifo() throws Exception {
    Path state = dir.resolve("run/maintenance.json");
    Files.createDirectories(state.getParent());
    Files.write(state, new byte[8 << 20]);
    startAgent("  probes { home = null, stub = null, port = null }");
    String answer = awaitCheck(a -> a.startsWith("503 MAINTENANCE"));
    assertTrue(answer.contains("is 8388608 bytes, more than the limit of 4096"), answer);
    assertTrue(answer.length() < 300, answer);
    awaitLog("more than the limit of 4096; staying in maintenance to be safe");
    assertAliveAndAnswering("an 8 MB maintenance.json");
    agent.destroy();
    assertTrue(agent.waitFor(20, TimeUnit.SECONDS));

    Files.delete(state);
    mkfifo(state);
    startAgent("  probes { home = null, stub = null, port = null }");
    answer = awaitCheck(a -> a.startsWith("503 MAINTENANCE"));
    assertTrue(answer.contains("is not a regular file"), answer);
    assertAliveAndAnswering("a FIFO at maintenance.json");
  }

  /**
   * SIGHUP or keepwatch reload with includes of a huge file, /dev/zero, a FIFO, a deeply nested
   * value, and the largest configuration the limits let through: each refused with its reason (exit
   * 1), config check exits 78, and a good file after them is applied (exit 0); both outcomes
   * counted.
   */
  static final String REFUSED = "keepwatch_config_reloads_total{result=\"refused\",}";

  static final String APPLIED = "keepwatch_config_reloads_total{result=\"applied\",}";

  @Test
  void reloadsOfFilesNobodyShouldIncludeAreRefusedAndTheNextOneApplies() throws Exception {
    Path huge = Files.writeString(dir.resolve("huge.conf"), "# " + "x".repeat(8 << 20) + "\n");
    Path zero = Files.createSymbolicLink(dir.resolve("zero.conf"), Path.of("/dev/zero"));
    Path fifo = mkfifo(dir.resolve("fifo.conf"));
    // The most a load accepts: the main file and three includes of almost 64 KiB each, 7,000 keys
    // apiece, parsed whole before the unknown keys are refused: the heap's worst case.
    List<String> widest = new ArrayList<>();
    for (int f = 0; f < 3; f++) {
      String keys =
          IntStream.range(0, 7000)
              .mapToObj(i -> "k" + i + "=1")
              .collect(Collectors.joining("\n", "keepwatch.w" + f + " {\n", "\n}\n"));
      Path include = Files.writeString(dir.resolve("wide" + f + ".conf"), keys);
      assertTrue(Files.size(include) < 65536, include + ": " + Files.size(include));
      widest.add("include \"" + include + "\"");
    }
    startAgent("  probes { home = null, stub = null, port = null }");
    Path file = dir.resolve("keepwatch.conf");
    String good = Files.readString(file);
    List<String> bad =
        List.of(
            "include \"" + huge + "\"",
            "include file(\"" + zero + "\")",
            "include \"" + fifo + "\"",
            "keepwatch.x = " + "[".repeat(50_000) + "]".repeat(50_000),
            String.join("\n", widest));
    for (String line : bad) {
      Files.writeString(file, good + line + "\n");
      LauncherIT.Run checked = cli("config", "check", file.toString());
      assertEquals(78, checked.exit(), checked.toString());
      LauncherIT.Run reload = cli("reload", "--config", file.toString());
      assertEquals(1, reload.exit(), reload.toString());
      assertTrue(
          reload.stderr().contains("more than the limit of 65536")
              || reload.stderr().contains("is not a regular file")
              || reload.stderr().contains("nested more than 32 levels deep")
              || reload.stderr().contains("keepwatch.w0: unknown key"),
          reload.toString());
      // keepwatch reload refuses such a file itself; SIGHUP makes the agent read it
      int refusedBefore = (int) metric(REFUSED);
      new ProcessBuilder("kill", "-HUP", String.valueOf(agent.pid())).start().waitFor();
      Await.until(
          DEADLINE,
          "the reload refused and counted",
          () -> metric(REFUSED),
          n -> n > refusedBefore);
      assertAliveAndAnswering("a reload with " + line.substring(0, Math.min(40, line.length())));
    }
    Files.writeString(file, good);
    LauncherIT.Run applied = cli("reload", "--config", file.toString());
    assertEquals(0, applied.exit(), applied.toString());
    Await.until(DEADLINE, "the good reload counted", () -> metric(APPLIED), n -> n == 1.0);
    assertEquals(5.0, metric(REFUSED));
    assertEquals(
        5,
        logText().lines().filter(l -> l.contains("WARNING config reload refused")).count(),
        logText());
  }

  @Test
  void thousandsOfProbesAreRefusedAndThirtyTwoRun() throws Exception {
    port = RealNginx.freePort();
    String many =
        IntStream.range(0, 3000)
            .mapToObj(i -> "p" + i + "{kind=tcp}")
            .collect(Collectors.joining("\n"));
    Process refused = start(config("  probes {", many, "  }"));
    assertTrue(refused.waitFor(60, TimeUnit.SECONDS));
    assertEquals(78, refused.exitValue(), logText());
    assertTrue(logText().contains("keepwatch.probes: 3004 probes; at most 32"), logText());

    int healthy = healthyPort();
    String most =
        IntStream.range(0, 32)
            .mapToObj(i -> "    p" + i + " { kind = tcp, address = \"127.0.0.1:" + healthy + "\" }")
            .collect(Collectors.joining("\n"));
    agent =
        start(
            config(
                "  probes { home = null, stub = null, port = null, process = null", most, "  }"));
    awaitCheck(a -> a.equals("200 UP"));
    // a reload runs the old and the new 32 probes side by side: the peak
    LauncherIT.Run reload = cli("reload", "--config", dir.resolve("keepwatch.conf").toString());
    assertEquals(0, reload.exit(), reload.toString());
    assertAliveAndAnswering("32 probes and a reload of them");
  }

  @Test
  void aNotifyFifoFloodOfNewStatesCheckerLinesAndUtf8Names() throws Exception {
    Path fifo = dir.resolve("run/vrrp.fifo");
    startAgent(
        "  keepalived.notify-fifo = \"" + fifo + "\"",
        "  probes { home = null, stub = null, port = null }");
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 50_000; i++) {
      lines.append("INSTANCE \"VI_1\" STATE").append(i).append(" 99999\n");
      lines.append("VS [192.0.2.1]:tcp:80 UP\nRS [10.0.0.1]:tcp:80 [192.0.2.1]:tcp:80 DOWN\n");
    }
    lines.append("INSTANCE \"VI_Zürich_東京\" MASTER 100\n");
    try (FileOutputStream out = new FileOutputStream(fifo.toFile())) {
      out.write(lines.toString().getBytes(StandardCharsets.UTF_8));
    }
    awaitLog("VRRP VI_Zürich_東京: MASTER (priority 100)");
    // /metrics is rendered at most once a second: wait for the instance, then count every series
    Await.until(
        DEADLINE,
        "the instance in /metrics",
        () -> get("/metrics").map(HttpResponse::body).orElse(""),
        m -> m.contains("VI_Zürich_東京"));
    String metrics = get("/metrics").map(HttpResponse::body).orElse("");
    assertEquals(
        4, metrics.lines().filter(l -> l.startsWith("keepwatch_vrrp_state{")).count(), metrics);
    assertEquals(
        4,
        metrics.lines().filter(l -> l.startsWith("keepwatch_vrrp_transitions_total{")).count(),
        metrics);
    long warnings = logText().lines().filter(l -> l.contains(" WARNING notify FIFO")).count();
    assertTrue(warnings <= 10, "one warning a second at most, got " + warnings);
    LauncherIT.Run status = cli("status", "--config", dir.resolve("keepwatch.conf").toString());
    assertTrue(status.stdout().contains("VI_Zürich_東京"), status.toString());
    assertAliveAndAnswering("150,000 FIFO lines");
  }

  @Test
  void controlCharactersInAMaintenanceReasonAreEscapedEverywhereAndLettersKept() throws Exception {
    startAgent("  probes { home = null, stub = null, port = null }");
    String config = dir.resolve("keepwatch.conf").toString();
    String reason = "drain \u001b[2J\u0007\r\u009b Zürich";
    LauncherIT.Run on = cli("maintenance", "on", "--reason", reason, "--config", config);
    assertEquals(0, on.exit(), on.toString());
    // the CR was already a space (a reason is one line); the rest is escaped where it shows
    String escaped = "drain \\x1b[2J\\x07 \\x9b Zürich";
    assertEquals("503 MAINTENANCE " + escaped, awaitCheck(a -> a.contains("MAINTENANCE")));
    LauncherIT.Run status = cli("status", "--config", config);
    assertTrue(status.stdout().startsWith("MAINTENANCE " + escaped + "\n"), status.toString());
    awaitLog(escaped);
    assertFalse(logText().contains("\u001b"), "an ESC reached the log");
    assertAliveAndAnswering("a reason with control characters");
  }

  /** A java agent jar holding the one class {@link OomAgent}. */
  Path oomAgentJar() throws IOException {
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().putValue("Premain-Class", OomAgent.class.getName());
    Path jar = dir.resolve("oom.jar");
    String entry = OomAgent.class.getName().replace('.', '/') + ".class";
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest);
        InputStream in = OomAgent.class.getClassLoader().getResourceAsStream(entry)) {
      out.putNextEntry(new JarEntry(entry));
      in.transferTo(out);
      out.closeEntry();
    }
    return jar;
  }

  /**
   * An agent that runs out of memory, the JVM's way (heap) or code's way (a thrown
   * OutOfMemoryError), exits at once and leaves the track file at its down value, in the set-up
   * where a stopping agent writes it (no keepalived.track-process). Before: the JVM ended without
   * shutdown hooks and "1" stayed while nothing watched nginx, or the thread died and the agent
   * lived on half-alive.
   */
  @Test
  void anAgentOutOfMemoryExitsAndLeavesTheTrackFileDown() throws Exception {
    Path track = dir.resolve("track");
    Path jar = oomAgentJar();
    int healthy = healthyPort();
    for (String mode : List.of("heap", "thrown")) {
      Files.deleteIfExists(track);
      port = RealNginx.freePort();
      agent =
          start(
              config(
                  "  track-file.path = \"" + track + "\"",
                  "  probes { home = null, stub = null, process = null,",
                  "    port.address = \"127.0.0.1:" + healthy + "\" }"),
              "-javaagent:" + jar + "=" + mode + ":" + track);
      assertTrue(agent.waitFor(60, TimeUnit.SECONDS), "still running after OOM (" + mode + ")");
      assertEquals(3, agent.exitValue(), logText());
      assertEquals("0", Files.readString(track).strip(), mode + ": " + logText());
      assertTrue(logText().contains("OomAgent: the track file says 1"), logText());
      assertTrue(
          logText().contains("keepwatch: the JVM is dying: wrote 0 to " + track)
              || logText().contains("writing the last words and exiting"),
          logText());
      System.out.println("HostileInputIT: OOM (" + mode + "): exit 3, track file 0");
    }
  }
}
