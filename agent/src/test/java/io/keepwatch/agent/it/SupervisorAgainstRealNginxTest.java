package io.keepwatch.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Await;
import io.keepwatch.agent.Commands;
import io.keepwatch.agent.supervisor.ActionRecord;
import io.keepwatch.agent.verdict.NodeState;
import io.keepwatch.agent.verdict.Snapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Restarts against a real, daemonized nginx: a stopped, hung or killed nginx comes back in place; a
 * broken config is never restarted; a crash loop spends exactly the budget.
 */
class SupervisorAgainstRealNginxTest extends SupervisedNginxFixture {
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

  /**
   * An nginx upgraded in place (USR2, then QUIT to the old master) is never down: the agent must
   * not restart it while the pidfile is away at .oldbin.
   */
  @Test
  void aBinaryUpgradeOfNginxRestartsNothing() throws Exception {
    start("");
    awaitState(NodeState.UP, "");
    long fresh = nginx.upgradeBinary();
    Await.until(
        DEADLINE,
        "UP with the new master " + fresh,
        this::snapshot,
        s -> s.verdict().state() == NodeState.UP && nginx.workerPids().size() == 2);
    nginx.remember();
    assertEquals(List.of(), actions("restart"), "restarted during a binary upgrade");
    assertEquals(fresh, nginx.masterPid());
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
    // The operator says a failing health page calls for a restart (auto: a wrong answer does not).
    start("probes.home.on-failure = restart");
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

  /**
   * A wrong answer (the health page says 404 while nginx runs and serves) is not a failure a
   * restart can fix, and is often shared with the peer: DEGRADED, /check fails (lower the
   * priority), /check/serving passes (never FAULT), and nginx is left alone.
   */
  @Test
  void aWrongAnswerIsDegradedAndNginxIsNeverRestartedForIt() throws Exception {
    start("");
    awaitState(NodeState.UP, "");
    long pid = nginx.masterPid();
    nginx.failHealth(true);
    awaitState(NodeState.DEGRADED, "HTTP 404");
    // An absence cannot be awaited: give a restart far longer than one takes (the config test
    // and a restart of this nginx take well under a second), watching all along.
    for (int i = 0; i < 15; i++) {
      assertEquals(NodeState.DEGRADED, snapshot().verdict().state(), snapshot().verdict().line());
      Thread.sleep(100);
    }
    assertEquals(0, actions("config-test").size(), "no restart was even prepared");
    assertEquals(0, actions("restart").size());
    assertEquals(pid, nginx.masterPid(), "the serving nginx was not touched");
    assertEquals(503, get("/check").statusCode());
    assertEquals(200, get("/check/serving").statusCode());
    nginx.failHealth(false);
    awaitState(NodeState.UP, "");
  }

  /**
   * nginx is down and another program holds its port: a restart cannot bind it, so the VIP is not
   * held for that restart (hold-vip would only lengthen the outage); the answer is 503 at once. The
   * agent decides within a millisecond of hearing that nginx stopped, before any stranger can bind
   * the port nginx just let go of (a fresh container lost that race): maintenance keeps the restart
   * off until the stranger holds the port, and leaving it starts the attempt.
   */
  @Test
  void aRestartThatCannotBindDoesNotHoldTheVip() throws Exception {
    start("restart.hold-vip = 1s");
    awaitState(NodeState.UP, "");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(
        0,
        cli(out, "maintenance", "on", "--config", configFile.toString()),
        out.toString(StandardCharsets.UTF_8));
    nginx.remember();
    Commands.signal("TERM", nginx.masterPid());
    try (ServerSocket stranger = bindWhenFree(nginx.port())) {
      assertTrue(stranger.isBound());
      assertEquals(
          0,
          cli(out, "maintenance", "off", "--config", configFile.toString()),
          out.toString(StandardCharsets.UTF_8));
      Snapshot recovering = awaitState(NodeState.RECOVERING, "restart 1 of 3");
      assertEquals(false, recovering.holdsVip(), recovering.verdict().line());
      assertEquals(503, recovering.answer().status());
      Await.until(
          DEADLINE,
          "the journal saying why",
          () -> actions("restart"),
          records ->
              records.stream()
                  .anyMatch(
                      r ->
                          r.outcome()
                              .contains(
                                  "port "
                                      + nginx.port()
                                      + " is held by pid "
                                      + ProcessHandle.current().pid())));
    }
  }

  /** Binds the port once nginx has let go of it (maintenance keeps the agent from restarting). */
  private static ServerSocket bindWhenFree(int port) {
    return Await.until(
            Duration.ofSeconds(10),
            "port " + port + " free after nginx's stop",
            () -> bind(port),
            Optional::isPresent)
        .orElseThrow();
  }

  private static Optional<ServerSocket> bind(int port) {
    try {
      ServerSocket socket = new ServerSocket();
      try {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 8);
        return Optional.of(socket);
      } catch (IOException e) {
        socket.close();
        return Optional.empty();
      }
    } catch (IOException e) {
      return Optional.empty();
    }
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
}
