package io.keepwatch.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Agent;
import io.keepwatch.agent.config.AgentConfig;
import io.keepwatch.agent.config.ConfigLoader;
import io.keepwatch.agent.endpoints.AgentInfo;
import io.keepwatch.agent.verdict.NodeState;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The operator's side against a real nginx: maintenance and reset through the CLI and the control
 * socket, the socket's mode, a second agent, and no state change over TCP.
 */
class ControlSocketAgainstRealNginxTest extends SupervisedNginxFixture {
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
    start("escalation.sticky = true\n  probes.home.on-failure = restart");
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
