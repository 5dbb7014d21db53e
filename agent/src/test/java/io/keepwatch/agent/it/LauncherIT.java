package io.keepwatch.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keepwatch run} through the real launcher (scripts/keepwatch, the jar mvn package built) as
 * its own process: every fatal error is one line on stderr naming what and where, with its exit
 * code (issue 13: they used to exit with nothing said), and under the journal the lines carry
 * syslog priorities.
 */
@Timeout(120)
class LauncherIT {

  static final Path LAUNCHER = Path.of("../scripts/keepwatch").toAbsolutePath().normalize();

  @TempDir Path dir;

  /** What a finished run printed. */
  record Run(int exit, String stdout, String stderr) {}

  Run run(List<String> prefix, Map<String, String> env, String... args) throws Exception {
    List<String> argv = new ArrayList<>(prefix);
    argv.add(LAUNCHER.toString());
    argv.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(argv)
            .redirectOutput(dir.resolve("stdout").toFile())
            .redirectError(dir.resolve("stderr").toFile());
    builder.environment().remove("JOURNAL_STREAM");
    builder.environment().putAll(env);
    Process p = builder.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("keepwatch " + String.join(" ", args) + " did not exit");
    }
    return new Run(
        p.exitValue(),
        Files.readString(dir.resolve("stdout")),
        Files.readString(dir.resolve("stderr")));
  }

  Run run(String... args) throws Exception {
    return run(List.of(), Map.of(), args);
  }

  Path config(String... lines) throws IOException {
    List<String> all = new ArrayList<>(List.of("keepwatch {"));
    all.addAll(List.of(lines));
    all.add("}");
    return Files.writeString(dir.resolve("keepwatch.conf"), String.join("\n", all) + "\n");
  }

  String socket() {
    return "  control.socket = \"" + dir.resolve("run/k.sock") + "\"";
  }

  @Test
  void aConfigErrorIsOneLineOnStderrAndExit78() throws Exception {
    Path file = config("  probes.port.rise = 0", "  probes.home.interval = 3x");
    Run r = run("run", "--config", file.toString());
    assertEquals(78, r.exit(), r.toString());
    assertEquals(
        "keepwatch: config error: "
            + file
            + ":2: keepwatch.probes.port.rise: must be between 1 and 1000, got 0\n"
            + "keepwatch: config error: "
            + file
            + ":3: keepwatch.probes.home.interval: bad duration \"3x\" (write e.g. 200ms, 1s, 5m)\n"
            + "keepwatch: 2 configuration errors\n",
        r.stderr());
  }

  @Test
  void anAddressInUseSaysWhichAndWhereItWasSetAndExits69() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      Path file = config("  http.listen = \"127.0.0.1:" + port + "\"", socket());
      Run r = run("run", "--config", file.toString());
      assertEquals(69, r.exit(), r.toString());
      assertEquals(
          "keepwatch: cannot listen on 127.0.0.1:"
              + port
              + " (keepwatch.http.listen, "
              + file
              + ":2): the address is already in use (another keepwatch, or another program: ss"
              + " -ltnp 'sport = :"
              + port
              + "')\n",
          r.stderr(),
          "stdout: " + r.stdout());
    }
  }

  @Test
  void aControlSocketWhoseDirectoryCannotBeMadeSaysSoAndExits73() throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("file"), "");
    Path socket = notADirectory.resolve("k.sock");
    Path file = config("  http.listen = \"127.0.0.1:0\"", "  control.socket = \"" + socket + "\"");
    Run r = run("run", "--config", file.toString());
    assertEquals(73, r.exit(), r.toString());
    assertEquals(
        "keepwatch: cannot create the control socket "
            + socket
            + " (keepwatch.control.socket, "
            + file
            + ":3): its directory "
            + notADirectory
            + " is missing and cannot be created ("
            + notADirectory
            + ": exists and is not a directory)\n",
        r.stderr());
  }

  @Test
  void aSocketPathTooLongIsAConfigError() throws Exception {
    String socket = dir.resolve("x".repeat(110) + ".sock").toString();
    Path file = config("  control.socket = \"" + socket + "\"");
    Run r = run("run", "--config", file.toString());
    assertEquals(78, r.exit(), r.toString());
    assertTrue(
        r.stderr()
            .startsWith(
                "keepwatch: config error: "
                    + file
                    + ":2: keepwatch.control.socket: too long for a unix socket: "),
        r.stderr());
  }

  /** Whether a user who is not the owner can read the file: every directory above it too. */
  static boolean readableByAll(Path file) throws java.io.IOException {
    if (!Files.getPosixFilePermissions(file)
        .contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)) {
      return false;
    }
    for (Path dir = file.getParent(); dir != null; dir = dir.getParent()) {
      if (!Files.getPosixFilePermissions(dir)
          .contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
        return false;
      }
    }
    return true;
  }

  /** Root passes every permission check: these run as nobody (util-linux setpriv). */
  @Test
  void permissionDeniedSaysWhatAndExits77() throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")), "needs root to become nobody");
    Path jar = Path.of("target/keepwatch.jar").toAbsolutePath().normalize();
    Assumptions.assumeTrue(
        readableByAll(LAUNCHER) && readableByAll(jar),
        "nobody cannot read the launcher and the jar in this source tree ("
            + LAUNCHER.getParent().getParent()
            + ", e.g. under /root): run it from a tree others may read");
    dir.toFile().setExecutable(true, false);
    dir.toFile().setReadable(true, false);
    List<String> asNobody =
        List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups");
    Path lockedDir = Files.createDirectory(dir.resolve("root-only"));
    Path socket = lockedDir.resolve("run/k.sock");
    Path file = config("  http.listen = \"127.0.0.1:0\"", "  control.socket = \"" + socket + "\"");
    file.toFile().setReadable(true, false);
    // Netty unpacks its native library to java.io.tmpdir; systemd's PrivateTmp gives a /tmp
    // anyone may write, this machine's /tmp may not be.
    Path tmp = Files.createDirectory(dir.resolve("tmp"));
    tmp.toFile().setWritable(true, false);
    // The launcher links java under the runtime directory to name the process (as under
    // systemd's RuntimeDirectory=): nobody cannot write to the build tree.
    Map<String, String> env =
        Map.of(
            "KEEPWATCH_JAVA_OPTS", "-Djava.io.tmpdir=" + tmp, "RUNTIME_DIRECTORY", tmp.toString());
    Run r = run(asNobody, env, "run", "--config", file.toString());
    assertEquals(77, r.exit(), r.toString());
    assertEquals(
        "keepwatch: cannot create the control socket "
            + socket
            + " (keepwatch.control.socket, "
            + file
            + ":3): its directory "
            + socket.getParent()
            + " is missing and cannot be created ("
            + socket.getParent()
            + ": permission denied)\n",
        r.stderr());

    Files.writeString(file, "keepwatch { http.listen = \"127.0.0.1:80\"\n" + socket() + " }\n");
    Files.createDirectories(dir.resolve("run"));
    dir.resolve("run").toFile().setWritable(true, false);
    Run privileged = run(asNobody, env, "run", "--config", file.toString());
    assertEquals(77, privileged.exit(), privileged.toString());
    assertEquals(
        "keepwatch: cannot listen on 127.0.0.1:80 (keepwatch.http.listen, "
            + file
            + ":1): permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)\n",
        privileged.stderr());
  }

  /**
   * What systemd does for a unit: stdout and stderr are one socket to journald, and JOURNAL_STREAM
   * names its device:inode. Each line then carries its syslog priority, so journalctl -p warning
   * lists the outage and -p err the fatal error.
   */
  @Test
  void underTheJournalEachLineCarriesItsPriority() throws Exception {
    Path file =
        config(
            "  http.listen = \"127.0.0.1:0\"",
            socket(),
            "  nginx.pidfile = \"" + dir.resolve("nginx.pid") + "\"",
            "  restart.enabled = false",
            "  probes { home = null, stub = null, process = null, port { address = \"127.0.0.1:"
                + closedPort()
                + "\", interval = 100ms, rise = 1, fall = 1 } }");
    // Runs the launcher with stdout and stderr on one socket, as systemd does, until a line
    // containing argv[1] came or the process ended; prints what it read.
    String script =
        """
        import os, socket, subprocess, sys, time
        ours, theirs = socket.socketpair()
        st = os.fstat(theirs.fileno())
        env = dict(os.environ, JOURNAL_STREAM='%d:%d' % (st.st_dev, st.st_ino))
        p = subprocess.Popen(sys.argv[2:], stdout=theirs, stderr=theirs, env=env)
        theirs.close()
        ours.settimeout(0.5)
        seen = b''
        end = time.monotonic() + 40
        while time.monotonic() < end and sys.argv[1].encode() not in seen:
            try:
                chunk = ours.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                break
            seen += chunk
        p.terminate()
        p.wait(20)
        sys.stdout.write(seen.decode())
        """;
    Path py = Files.writeString(dir.resolve("journal.py"), script);
    Run r =
        run(
            List.of("/usr/bin/python3", py.toString(), "verdict: STARTING -> DOWN"),
            Map.of(),
            "run",
            "--config",
            file.toString());
    List<String> lines = r.stdout().lines().toList();
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("<6>INFO keepwatch ")), r.stdout());
    assertTrue(
        lines.stream().anyMatch(l -> l.startsWith("<4>WARNING verdict: STARTING -> DOWN port: ")),
        r.stdout());
    assertTrue(lines.stream().allMatch(l -> l.matches("<[3-7]>.*")), r.stdout());

    Files.writeString(file, "keepwatch.probes.port.rise = 0\n");
    Run bad =
        run(
            List.of("/usr/bin/python3", py.toString(), "configuration"),
            Map.of(),
            "run",
            "--config",
            file.toString());
    assertEquals(
        "<3>keepwatch: config error: "
            + file
            + ":1: keepwatch.probes.port.rise: must be between 1 and 1000, got 0\n",
        bad.stdout());
  }

  static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void versionAndHelpWork() throws Exception {
    Run version = run("--version");
    assertEquals(0, version.exit());
    assertTrue(version.stdout().matches("keepwatch \\S+\\n"), version.stdout());
    Run help = run("run", "--help");
    assertEquals(0, help.exit());
    assertTrue(help.stdout().startsWith("usage: keepwatch run [--config FILE]"), help.stdout());
    assertEquals("", help.stderr());
  }
}
