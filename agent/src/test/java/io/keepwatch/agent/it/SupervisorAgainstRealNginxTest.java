package io.keepwatch.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Agent;
import io.keepwatch.agent.Await;
import io.keepwatch.agent.Commands;
import io.keepwatch.agent.cli.Cli;
import io.keepwatch.agent.config.AgentConfig;
import io.keepwatch.agent.config.ConfigLoader;
import io.keepwatch.agent.endpoints.AgentInfo;
import io.keepwatch.agent.supervisor.ActionRecord;
import io.keepwatch.agent.verdict.NodeState;
import io.keepwatch.agent.verdict.Snapshot;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor against a real, daemonized nginx: the agent's restart command starts the test's
 * nginx, its config test tests the test's config.
 */
class SupervisorAgainstRealNginxTest {

  /** One client for the class: a client per request would leave a selector thread each. */
  static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();

  static final Duration DEADLINE = Duration.ofSeconds(20);

  @TempDir Path prefix;
  RealNginx nginx;
  Agent agent;
  Path configFile;

  @AfterEach
  void stopEverything() throws Exception {
    if (agent != null) {
      agent.close();
    }
    if (nginx != null) {
      nginx.close();
    }
  }

  /** Starts nginx and the agent; {@code extra} is HOCON inside keepwatch { }. */
  void start(String extra) throws Exception {
    nginx = RealNginx.startDaemon(prefix);
    startAgent(extra);
  }

  void startAgent(String extra) throws Exception {
    String config =
        TestAgentConfig.hocon(
            prefix,
            nginx,
            "  nginx {",
            "    config-test = " + hocon(nginx.configTestCommand()),
            "    restart = " + hocon(nginx.startCommand()),
            "    command-timeout = 10s",
            "  }",
            "  probes {",
            "    port.address = \"127.0.0.1:" + nginx.port() + "\"",
            "    home { url = \""
                + nginx.url("/health")
                + "\", interval = 200ms, timeout = 500ms }",
            "    stub.url = \"" + nginx.url("/nginx_status") + "\"",
            "  }",
            "  restart { grace = 3s, backoff = 200ms }",
            extra);
    configFile = prefix.resolve("keepwatch.conf");
    Files.writeString(configFile, config);
    AgentConfig agentConfig = ConfigLoader.load(configFile).config();
    agent = Agent.start(agentConfig, new AgentInfo("test", "test-node", Instant.now()));
  }

  static String hocon(List<String> argv) {
    return argv.stream().map(a -> "\"" + a + "\"").collect(Collectors.joining(", ", "[", "]"));
  }

  Snapshot snapshot() {
    return agent.judge().snapshot();
  }

  Snapshot awaitState(NodeState state, String reasonPart) {
    return Await.until(
        DEADLINE,
        state + " with '" + reasonPart + "'",
        this::snapshot,
        s -> s.verdict().state() == state && s.verdict().reason().contains(reasonPart));
  }

  List<ActionRecord> actions(String kind) {
    return agentActions().stream().filter(a -> a.action().equals(kind)).toList();
  }

  List<ActionRecord> agentActions() {
    // The same list /status shows.
    String json = get("/status").body();
    return StatusJson.actions(json);
  }

  HttpResponse<String> get(String path) {
    return send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.http().port() + path)).GET());
  }

  HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return HTTP.send(
          request.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError("request failed: " + e, e);
    }
  }

  int cli(ByteArrayOutputStream out, String... args) {
    return new Cli(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(out, true, StandardCharsets.UTF_8))
        .run(args);
  }

  @Test
  void stoppedNginxIsRestartedAndServesAgain() throws Exception {
    start("");
    awaitState(NodeState.UP, "");
    long oldPid = nginx.masterPid();
    long stoppedAt = System.nanoTime();
    nginx.stop();
    Await.until(
        DEADLINE,
        "UP with a new master",
        this::snapshot,
        s ->
            s.verdict().state() == NodeState.UP
                && nginx.masterPid() > 0
                && nginx.masterPid() != oldPid);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt);
    nginx.remember();
    System.out.println("FIGURE stop -> UP again after an automatic restart: " + tookMs + " ms");
    assertEquals(1, actions("config-test").size());
    assertEquals(1, actions("restart").size());
    assertTrue(
        actions("restart").get(0).outcome().contains(": exit 0 in "),
        actions("restart").toString());
    assertEquals(200, get("/check").statusCode());

    // keepwatch status shows what was done.
    Files.writeString(
        configFile.resolveSibling("client.conf"),
        "keepwatch.http.listen = \"127.0.0.1:" + agent.http().port() + "\"\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(
        0,
        cli(out, "status", "--config", configFile.resolveSibling("client.conf").toString()),
        out.toString(StandardCharsets.UTF_8));
    String shown = out.toString(StandardCharsets.UTF_8);
    assertTrue(shown.contains("RECENT ACTIONS"), shown);
    assertTrue(
        shown.contains("config-test: " + String.join(" ", nginx.configTestCommand()) + ": exit 0"),
        shown);
    assertTrue(
        shown.contains("restart: " + String.join(" ", nginx.startCommand()) + ": exit 0"), shown);
    assertTrue(shown.contains("recovery: restart 1 worked: nginx master "), shown);
  }

  @Test
  void brokenConfigAndStoppedNginxEscalatesWithoutRestarting() throws Exception {
    start("");
    awaitState(NodeState.UP, "");
    nginx.breakConfig();
    nginx.stop();
    // nginx's own first error line, e.g. "2026/11/21 23:39:16 [emerg] 5852#5852: unknown
    // directive "bogus_directive" in /tmp/.../nginx.conf:1".
    Snapshot escalated = awaitState(NodeState.ESCALATED, "config test failed, not restarting: ");
    String reason = escalated.verdict().reason();
    assertTrue(
        reason.contains("[emerg]")
            && reason.contains("unknown directive \"bogus_directive\"")
            && reason.contains("nginx.conf:1"),
        reason);
    assertEquals(0, actions("restart").size(), "never restart with a broken config");
    HttpResponse<String> check = get("/check");
    assertEquals(503, check.statusCode());
    assertTrue(check.body().startsWith("ESCALATED config test failed"), check.body());
    assertEquals(-1, nginx.masterPid(), "nobody started nginx");
  }

  @Test
  void brokenConfigWhileNginxRunsNeverTakesItDown() throws Exception {
    start("");
    awaitState(NodeState.UP, "");
    long pid = nginx.masterPid();
    nginx.breakConfig();
    nginx.failHealth(true); // a probe fails while nginx itself runs and serves
    awaitState(NodeState.ESCALATED, "config test failed, not restarting");
    assertEquals(0, actions("restart").size());
    assertEquals(pid, nginx.masterPid(), "the running nginx was not touched");
    assertTrue(RealNginx.running(pid));
    HttpResponse<String> served = send(HttpRequest.newBuilder(URI.create(nginx.url("/"))).GET());
    assertEquals("hello\n", served.body(), "nginx keeps serving");
  }

  @Test
  void crashLoopUsesExactlyTheBudgetThenEscalatesThenRecovers() throws Exception {
    start("restart { max-attempts = 3, window = 5m, grace = 1s }");
    awaitState(NodeState.UP, "");
    AtomicBoolean killing = new AtomicBoolean(true);
    AtomicInteger kills = new AtomicInteger();
    Thread killer =
        new Thread(
            () -> {
              long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
              long lastKilled = -1;
              while (killing.get() && System.nanoTime() < end) {
                long pid = nginx.masterPid();
                if (pid > 0
                    && pid != lastKilled
                    && RealNginx.running(pid)
                    && nginx.workerPids().size() == 2) {
                  try {
                    nginx.killAll();
                    lastKilled = pid;
                    kills.incrementAndGet();
                  } catch (Exception e) {
                    return;
                  }
                }
                try {
                  Thread.sleep(20);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "crash-loop-killer");
    killer.start();
    try {
      awaitState(NodeState.ESCALATED, "restart budget spent: 3 restarts within 5m");
      assertEquals(3, actions("restart").size(), agentActions().toString());
      // ESCALATED means no more restarts: wait well past grace and back-off, count again.
      Thread.sleep(3000);
      assertEquals(3, actions("restart").size(), agentActions().toString());
      assertEquals(NodeState.ESCALATED, snapshot().verdict().state());
    } finally {
      killing.set(false);
      killer.join(5000);
    }
    // sticky = false: once nginx is healthy again (started by the operator), the node is UP.
    nginx.startMaster();
    awaitState(NodeState.UP, "");
  }

  /** A daemonized nginx, and an agent whose restart command is scripts/nginx-hard-restart; UP. */
  private void startDaemonAndAgentWithHardRestart() throws Exception {
    nginx = RealNginx.startDaemon(prefix);
    Path hardRestart = Path.of("../scripts/nginx-hard-restart").toAbsolutePath().normalize();
    List<String> restart =
        new java.util.ArrayList<>(List.of(hardRestart.toString(), nginx.pidfile().toString()));
    restart.addAll(nginx.startCommand());
    startAgent("nginx.restart = " + hocon(restart));
    awaitState(NodeState.UP, "");
  }

  @Test
  void hungNginxIsBroughtBackByAHardRestart() throws Exception {
    startDaemonAndAgentWithHardRestart();
    long hungPid = nginx.masterPid();
    nginx.freeze(true);
    Await.until(
        DEADLINE,
        "UP with a new master",
        this::snapshot,
        s ->
            s.verdict().state() == NodeState.UP
                && nginx.masterPid() > 0
                && nginx.masterPid() != hungPid);
    nginx.remember();
    assertTrue(!RealNginx.running(hungPid), "the hung master was killed");
    assertEquals(1, actions("restart").size());
  }

  @Test
  void aMasterKilledAloneIsRestartedInPlaceAndItsOrphanedWorkersGo() throws Exception {
    startDaemonAndAgentWithHardRestart();
    long master = nginx.masterPid();
    List<Long> workers = nginx.workerPids();
    assertTrue(master > 0 && !workers.isEmpty());
    // SIGKILL to the master only: its workers live on as orphans, holding the listening socket.
    Commands.signal("KILL", master);
    Await.until(
        DEADLINE,
        "UP with a new master",
        this::snapshot,
        s ->
            s.verdict().state() == NodeState.UP
                && nginx.masterPid() > 0
                && nginx.masterPid() != master);
    nginx.remember();
    for (long worker : workers) {
      assertTrue(!RealNginx.running(worker), "orphaned worker " + worker + " still running");
    }
    List<ActionRecord> restarts = actions("restart");
    assertEquals(1, restarts.size(), restarts.toString());
  }

  @Test
  void escalationCallsTheWebhookWithNodeStateReasonAndTime() throws Exception {
    // A webhook receiver on loopback that records what it gets.
    java.util.concurrent.BlockingQueue<String> posted =
        new java.util.concurrent.LinkedBlockingQueue<>();
    com.sun.net.httpserver.HttpServer receiver =
        com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
    receiver.createContext(
        "/hook",
        exchange -> {
          posted.add(
              exchange.getRequestMethod()
                  + " "
                  + exchange.getRequestHeaders().getFirst("Content-Type")
                  + " "
                  + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    receiver.start();
    try {
      escalateWithCommands(
          "webhook = \"http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook\"");
      String got = posted.poll(20, TimeUnit.SECONDS);
      assertTrue(got != null, "the webhook was called");
      assertTrue(got.startsWith("POST application/json {"), got);
      com.typesafe.config.Config json =
          com.typesafe.config.ConfigFactory.parseString(got.substring(got.indexOf('{')));
      assertEquals("test-node", json.getString("node"));
      assertEquals("ESCALATED", json.getString("state"));
      assertTrue(json.getString("reason").startsWith("config test failed, not restarting: "), got);
      Instant.parse(json.getString("time"));
      List<ActionRecord> webhook =
          Await.until(
              DEADLINE, "the webhook's record", () -> actions("webhook"), l -> !l.isEmpty());
      assertTrue(webhook.get(0).outcome().endsWith(": HTTP 204"), webhook.toString());
    } finally {
      receiver.stop(0);
    }
  }

  @Test
  void aWebhookThatNeverAnswersIsCutAtItsTimeout() throws Exception {
    try (java.net.ServerSocket silent =
        new java.net.ServerSocket(0, 4, java.net.InetAddress.getLoopbackAddress())) {
      escalateWithCommands(
          "webhook = \"http://127.0.0.1:"
              + silent.getLocalPort()
              + "/hook\", webhook-timeout = 500ms");
      List<ActionRecord> webhook =
          Await.until(DEADLINE, "a webhook record", () -> actions("webhook"), l -> !l.isEmpty());
      assertTrue(webhook.get(0).outcome().contains("failed"), webhook.toString());
      assertEquals(200, get("/status").statusCode());
    }
  }

  /** Escalates through a broken config with nginx stopped; returns once ESCALATED. */
  private void escalateWithCommands(String escalationSettings) throws Exception {
    start("escalation { command-timeout = 1s, " + escalationSettings + " }");
    awaitState(NodeState.UP, "");
    nginx.breakConfig();
    nginx.stop();
    awaitState(NodeState.ESCALATED, "config test failed");
  }

  @Test
  void escalationCommandsThatHangOrFailAreLoggedAndTheAgentGoesOn() throws Exception {
    start(
        "escalation { commands = [[\"sleep\", \"60\"], [\"false\"], [\"/nonexistent/cmd\"]], command-timeout = 1s }");
    awaitState(NodeState.UP, "");
    nginx.breakConfig();
    nginx.stop();
    awaitState(NodeState.ESCALATED, "config test failed");
    List<ActionRecord> escalations =
        Await.until(
            DEADLINE,
            "three escalation records",
            () -> actions("escalation"),
            list -> list.size() >= 4);
    String all = escalations.toString();
    assertTrue(all.contains("sleep 60: killed at its timeout after"), all);
    assertTrue(all.contains("false: exit 1"), all);
    assertTrue(all.contains("/nonexistent/cmd: cannot start"), all);
    assertEquals(200, get("/status").statusCode(), "the agent still answers");
    assertEquals(
        0,
        ProcessHandle.current()
            .descendants()
            .filter(p -> p.info().command().map(c -> c.endsWith("sleep")).orElse(false))
            .count(),
        "the hung command is gone");
  }

  @Test
  void maintenanceThroughTheCliSuppressesRestartsAndSurvivesAnAgentRestart() throws Exception {
    start("");
    awaitState(NodeState.UP, "");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(
        0,
        cli(
            out,
            "maintenance",
            "on",
            "--reason",
            "kernel upgrade",
            "--config",
            configFile.toString()),
        out.toString(StandardCharsets.UTF_8));
    HttpResponse<String> check = get("/check");
    assertEquals(503, check.statusCode());
    assertEquals("MAINTENANCE kernel upgrade\n", check.body());

    nginx.stop();
    Thread.sleep(1500); // several probe cycles: DOWN is seen, nothing may be restarted
    assertEquals(0, actions("restart").size());
    assertEquals(NodeState.MAINTENANCE, snapshot().verdict().state());

    // An agent restart (an upgrade) keeps the drain.
    agent.close();
    startAgent("");
    awaitState(NodeState.MAINTENANCE, "kernel upgrade");
    assertEquals("MAINTENANCE kernel upgrade\n", get("/check").body());

    out.reset();
    assertEquals(
        0,
        cli(out, "maintenance", "off", "--config", configFile.toString()),
        out.toString(StandardCharsets.UTF_8));
    // Out of maintenance with nginx down: now it is restarted.
    awaitState(NodeState.UP, "");
    assertEquals(1, actions("restart").size());
    nginx.remember();
  }

  @Test
  void aSecondAgentOnTheSameSocketIsRefusedAndAStaleSocketIsReplaced() throws Exception {
    start("");
    AgentConfig same = ConfigLoader.load(configFile).config();
    java.io.IOException refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            java.io.IOException.class,
            () -> Agent.start(same, new AgentInfo("test", "second", Instant.now())));
    assertEquals(
        "cannot create the control socket "
            + agent.controlSocket()
            + ": another keepwatch is listening on it (keepwatch status; systemctl status"
            + " keepwatch)",
        refused.getMessage());
    assertEquals(200, get("/status").statusCode(), "the first agent is untouched");

    // A crash leaves the socket file behind; the next start replaces it.
    Path socket = agent.controlSocket();
    agent.close();
    agent = null;
    java.nio.channels.ServerSocketChannel leftover =
        java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
    leftover.bind(java.net.UnixDomainSocketAddress.of(socket));
    leftover.close(); // the file stays, nobody listens: what a SIGKILLed agent leaves
    assertTrue(Files.exists(socket));
    startAgent("");
    assertEquals(socket, agent.controlSocket());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(
        0,
        cli(out, "maintenance", "on", "--config", configFile.toString()),
        out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void resetLeavesStickyEscalation() throws Exception {
    start("escalation.sticky = true");
    awaitState(NodeState.UP, "");
    nginx.failHealth(true);
    nginx.breakConfig();
    awaitState(NodeState.ESCALATED, "config test failed");
    nginx.failHealth(false);
    Thread.sleep(1500);
    assertEquals(
        NodeState.ESCALATED, snapshot().verdict().state(), "sticky: healthy again is not enough");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(
        0,
        cli(out, "reset", "--config", configFile.toString()),
        out.toString(StandardCharsets.UTF_8));
    awaitState(NodeState.UP, "");
  }

  @Test
  void theSocketIsMode0660AndRefusesOthersAndTcpRefusesPosts() throws Exception {
    start("control.group = \"nogroup\"");
    Path socket = agent.controlSocket();
    assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    assertEquals(
        "nogroup",
        Files.readAttributes(socket, java.nio.file.attribute.PosixFileAttributes.class)
            .group()
            .getName());

    HttpResponse<String> overTcp =
        send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + agent.http().port() + "/maintenance"))
                .POST(HttpRequest.BodyPublishers.ofString("state=on&reason=x")));
    assertEquals(405, overTcp.statusCode());
    assertTrue(overTcp.body().contains("only accepted on the unix control socket"), overTcp.body());
    assertTrue(snapshot().verdict().state() != NodeState.MAINTENANCE);

    // Let anyone reach the socket's directory, so only the socket's own mode decides.
    for (Path dir = socket.getParent(); dir.startsWith(prefix.getParent()); dir = dir.getParent()) {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    // As user nobody, outside the socket's group: connect(2) must fail with EACCES.
    String client =
        """
            import socket, sys
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(sys.argv[1])
                s.sendall(b'POST /maintenance HTTP/1.0\\r\\nContent-Length: 8\\r\\n\\r\\nstate=on')
                print(s.recv(200))
            except OSError as e:
                print('errno', e.errno); sys.exit(13)
            """;
    // Not in the socket's group (gid 4242): refused by the kernel.
    Process other =
        new ProcessBuilder(
                "setpriv",
                "--reuid=65534",
                "--regid=4242",
                "--clear-groups",
                "--",
                "/usr/bin/python3",
                "-c",
                client,
                socket.toString())
            .redirectErrorStream(true)
            .start();
    assertTrue(other.waitFor(10, TimeUnit.SECONDS));
    String said = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(13, other.exitValue(), said);
    assertEquals("errno 13", said.strip(), "EACCES");
    assertTrue(snapshot().verdict().state() != NodeState.MAINTENANCE);

    // A member of control.group (nogroup, gid 65534) may drain the node.
    Process member =
        new ProcessBuilder(
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "--",
                "/usr/bin/python3",
                "-c",
                client,
                socket.toString())
            .redirectErrorStream(true)
            .start();
    assertTrue(member.waitFor(10, TimeUnit.SECONDS));
    String answered = new String(member.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, member.exitValue(), answered);
    assertTrue(answered.contains("200 OK"), answered);
    assertEquals(NodeState.MAINTENANCE, snapshot().verdict().state());
  }
}
