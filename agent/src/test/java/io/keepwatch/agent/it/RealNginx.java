package io.keepwatch.agent.it;

import io.keepwatch.agent.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real nginx in a temporary prefix, on a free loopback port, with two workers, a stub_status
 * location and a /health location served from a file the test can remove.
 *
 * <p>Two modes. {@link #start}: "daemon off", the master is this JVM's child, so its pid is known
 * without trusting the pidfile and the JVM reaps it. {@link #startDaemon}: nginx daemonizes as in
 * production, so the agent's restart command ({@link #startCommand()}) can start it too; pids come
 * from the pidfile. Every nginx process seen is stopped by pid in {@link #close()}.
 */
final class RealNginx implements AutoCloseable {

  static final Path BINARY = findBinary();

  private final Path prefix;
  private final int port;
  private final boolean daemon;
  private boolean accessLog;
  private Process master;
  private final java.util.Set<Long> seenPids = new java.util.LinkedHashSet<>();

  private RealNginx(Path prefix, int port, boolean daemon) {
    this.prefix = prefix;
    this.port = port;
    this.daemon = daemon;
  }

  /** nginx as this JVM's child ("daemon off"). */
  static RealNginx start(Path prefix) throws IOException, InterruptedException {
    return start(prefix, false);
  }

  /** nginx daemonized, as in production. */
  static RealNginx startDaemon(Path prefix) throws IOException, InterruptedException {
    return start(prefix, true);
  }

  private static RealNginx start(Path prefix, boolean daemon)
      throws IOException, InterruptedException {
    RealNginx nginx = new RealNginx(prefix, freePort(), daemon);
    Files.createDirectories(prefix.resolve("logs"));
    Files.createDirectories(prefix.resolve("html"));
    Files.writeString(prefix.resolve("html/health"), "ok\n");
    nginx.writeConfig(false);
    nginx.startMaster();
    return nginx;
  }

  /** argv that starts this nginx (daemon mode): what the agent's restart command runs. */
  List<String> startCommand() {
    return List.of(
        BINARY.toString(), "-p", prefix.toString(), "-c", prefix.resolve("nginx.conf").toString());
  }

  /** argv of this nginx's config test. */
  List<String> configTestCommand() {
    return List.of(
        BINARY.toString(),
        "-t",
        "-q",
        "-p",
        prefix.toString(),
        "-c",
        prefix.resolve("nginx.conf").toString());
  }

  /**
   * nginx as this JVM's child, logging every request with its User-Agent to logs/access.log and
   * closing every connection after one request (no keep-alive), so each fetch of stub_status
   * changes the page in a known way.
   */
  static RealNginx startLoggingEveryRequest(Path prefix) throws IOException, InterruptedException {
    RealNginx nginx = new RealNginx(prefix, freePort(), false);
    nginx.accessLog = true;
    Files.createDirectories(prefix.resolve("logs"));
    Files.createDirectories(prefix.resolve("html"));
    nginx.writeConfig(false);
    nginx.startMaster();
    return nginx;
  }

  /** The User-Agents of the requests logged so far, oldest first. */
  List<String> loggedUserAgents() throws IOException {
    Path log = prefix.resolve("logs/access.log");
    return Files.exists(log) ? Files.readAllLines(log) : List.of();
  }

  /** Makes /health answer 404 (true) or 200 (false), without touching nginx. */
  void failHealth(boolean failing) throws IOException {
    if (failing) {
      Files.deleteIfExists(prefix.resolve("html/health"));
    } else {
      Files.writeString(prefix.resolve("html/health"), "ok\n");
    }
  }

  /** Writes a config nginx rejects ("bogus_directive"); the running nginx keeps the old one. */
  void breakConfig() throws IOException {
    Files.writeString(
        prefix.resolve("nginx.conf"),
        "bogus_directive on;\n" + Files.readString(prefix.resolve("nginx.conf")));
  }

  private static Path findBinary() {
    for (String candidate :
        new String[] {"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"}) {
      if (Files.isExecutable(Path.of(candidate))) {
        return Path.of(candidate);
      }
    }
    throw new IllegalStateException(
        "nginx is not installed; scripts/test installs it (apt-get install nginx)");
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  int port() {
    return port;
  }

  Path pidfile() {
    return prefix.resolve("nginx.pid");
  }

  /** The master's pid: our child's, or (daemon mode) the pidfile's; -1 when there is none. */
  long masterPid() {
    if (!daemon) {
      return master.pid();
    }
    try {
      return Long.parseLong(Files.readString(pidfile()).strip());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /** Whether the process exists and is not a zombie (a killed daemon may stay one until reaped). */
  static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /**
   * The stub_status location answers garbage instead of the page (a broken or hijacked location).
   */
  void serveGarbageStubStatus(boolean garbage) throws IOException, InterruptedException {
    writeConfig(garbage);
    List<Long> oldWorkers = workerPids();
    control("reload");
    // Reloaded once every old worker is gone and new ones run.
    Await.until(
        Duration.ofSeconds(10),
        "reloaded",
        this::workerPids,
        workers -> !workers.isEmpty() && workers.stream().noneMatch(oldWorkers::contains));
  }

  /** Starts the master again after a stop or kill, same prefix and port. */
  void startMaster() throws IOException, InterruptedException {
    Files.deleteIfExists(pidfile());
    Process started =
        new ProcessBuilder(startCommand())
            .redirectErrorStream(true)
            .redirectOutput(prefix.resolve("logs/stdout.log").toFile())
            .start();
    if (daemon) {
      if (!started.waitFor(10, TimeUnit.SECONDS) || started.exitValue() != 0) {
        started.destroyForcibly();
        throw new AssertionError("nginx did not start: " + readLog());
      }
    } else {
      master = started;
    }
    Await.until(
        Duration.ofSeconds(10),
        "nginx started with 2 workers",
        this::workerPids,
        w -> {
          if (!daemon && !master.isAlive()) {
            throw new AssertionError("nginx exited: " + readLog());
          }
          return w.size() == 2 && Files.exists(pidfile());
        });
    remember();
  }

  /** Notes the current master and workers, so close() stops them even if the agent started them. */
  void remember() {
    long pid = masterPid();
    if (pid > 0) {
      seenPids.add(pid);
      seenPids.addAll(workerPids());
    }
  }

  /**
   * SIGTERM to the master: what "nginx -s stop" sends, without re-reading nginx.conf (which a test
   * may have broken on purpose).
   */
  void stop() throws IOException, InterruptedException {
    long pid = masterPid();
    remember();
    signal("TERM", List.of(pid));
    Await.until(Duration.ofSeconds(10), "nginx " + pid + " stopped", () -> running(pid), r -> !r);
  }

  /**
   * SIGKILL to the master and every worker: a crash, or the OOM killer. The master is stopped
   * first: a live master that sees a worker die forks a replacement, which would be orphaned
   * holding the listening socket.
   */
  void killAll() throws IOException, InterruptedException {
    remember();
    signal("STOP", List.of(masterPid()));
    List<Long> pids = masterAndWorkers();
    signal("KILL", pids);
    Await.until(
        Duration.ofSeconds(10),
        "nginx killed",
        () -> pids.stream().anyMatch(RealNginx::running),
        r -> !r);
  }

  /**
   * nginx's binary upgrade, as an operator runs it after installing a new nginx: USR2 starts a new
   * master from the same binary path (meanwhile the pidfile is at nginx.pid.oldbin), then QUIT ends
   * the old master gracefully.
   *
   * @return the new master's pid
   */
  long upgradeBinary() throws IOException, InterruptedException {
    long old = masterPid();
    remember();
    signal("USR2", List.of(old));
    long fresh =
        Await.until(
            Duration.ofSeconds(10),
            "a new master in " + pidfile(),
            this::masterPid,
            pid -> pid > 0 && pid != old);
    remember();
    signal("QUIT", List.of(old));
    Await.until(Duration.ofSeconds(10), "old master " + old + " gone", () -> running(old), r -> !r);
    return fresh;
  }

  /** SIGSTOP (or SIGCONT) to master and workers: nginx hangs but its sockets stay open. */
  void freeze(boolean stopped) throws IOException, InterruptedException {
    remember();
    signal(stopped ? "STOP" : "CONT", masterAndWorkers());
  }

  /** Master first, so it is signalled before it can react to its workers' signals. */
  private List<Long> masterAndWorkers() {
    List<Long> pids = new ArrayList<>();
    pids.add(masterPid());
    pids.addAll(workerPids());
    return pids;
  }

  List<Long> workerPids() {
    long pid = masterPid();
    if (pid <= 0 || !running(pid)) {
      return List.of();
    }
    return ProcessHandle.of(pid)
        .map(h -> h.children().map(ProcessHandle::pid).toList())
        .orElse(List.of());
  }

  private void control(String signal) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                BINARY.toString(),
                "-p",
                prefix.toString(),
                "-c",
                prefix.resolve("nginx.conf").toString(),
                "-s",
                signal)
            .redirectErrorStream(true)
            .start();
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new AssertionError(
          "nginx -s "
              + signal
              + " failed: "
              + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static void signal(String name, List<Long> pids)
      throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>(List.of("kill", "-" + name, "--"));
    // Never -1 or 0: kill(2) would signal every process we may signal, or our whole group.
    pids.stream().filter(pid -> pid > 0).forEach(pid -> argv.add(Long.toString(pid)));
    if (argv.size() == 3) {
      return;
    }
    Process kill = new ProcessBuilder(argv).redirectErrorStream(true).start();
    if (!kill.waitFor(5, TimeUnit.SECONDS)) {
      kill.destroyForcibly();
      throw new AssertionError("kill -" + name + " hung");
    }
  }

  private void writeConfig(boolean garbageStub) throws IOException {
    String stub = garbageStub ? "return 200 \"garbage\\n\";" : "stub_status;";
    String tmp = prefix.resolve("tmp").toString();
    Files.writeString(
        prefix.resolve("nginx.conf"),
        String.join(
            "\n",
            daemon ? "" : "daemon off;",
            // Workers must read html/ inside the test's private temporary directory.
            "root".equals(System.getProperty("user.name")) ? "user root;" : "",
            "worker_processes 2;",
            "pid " + pidfile() + ";",
            "error_log " + prefix.resolve("logs/error.log") + " notice;",
            "events { worker_connections 256; }",
            "http {",
            accessLog
                ? "  log_format agents '$http_user_agent'; access_log "
                    + prefix.resolve("logs/access.log")
                    + " agents; keepalive_timeout 0;"
                : "  access_log off;",
            "  client_body_temp_path "
                + tmp
                + "; proxy_temp_path "
                + tmp
                + "; fastcgi_temp_path "
                + tmp
                + ";",
            "  uwsgi_temp_path " + tmp + "; scgi_temp_path " + tmp + ";",
            "  server {",
            "    listen 127.0.0.1:" + port + ";",
            "    location / { return 200 \"hello\\n\"; }",
            "    location = /health { root " + prefix.resolve("html") + "; }",
            "    location = /nginx_status { " + stub + " }",
            "  }",
            "}",
            ""));
  }

  private String readLog() {
    try {
      return Files.readString(prefix.resolve("logs/stdout.log"))
          + Files.readString(prefix.resolve("logs/error.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Stops, by pid, every process this fixture started (a stopped one too: SIGKILL works on it). */
  @Override
  public void close() throws IOException {
    remember(); // the current master and workers, whoever started them
    List<Long> candidates = new ArrayList<>(seenPids);
    List<Long> alive = new ArrayList<>();
    for (long pid : candidates) {
      // Only our nginx: a pid that exited long ago may belong to someone else now.
      ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .filter(h -> h.info().command().map(c -> c.endsWith("nginx")).orElse(false))
          .ifPresent(h -> alive.add(pid));
    }
    try {
      if (!alive.isEmpty()) {
        signal("STOP", alive); // no master may respawn a worker while the others die
        signal("KILL", alive);
      }
      if (master != null) {
        master.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping nginx", e);
    }
  }
}
