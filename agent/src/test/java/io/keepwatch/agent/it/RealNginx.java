package io.keepwatch.agent.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real nginx in a temporary prefix, on a free loopback port, with two workers and a
 * stub_status location. It runs with "daemon off" so the master is this JVM's child: its pid is
 * known without trusting the pidfile, and the JVM reaps it when it dies. Every process it started
 * is stopped by pid in {@link #close()}.
 */
final class RealNginx implements AutoCloseable {

  static final Path BINARY = findBinary();

  private final Path prefix;
  private final int port;
  private Process master;
  private final List<Long> startedPids = new ArrayList<>();

  private RealNginx(Path prefix, int port) {
    this.prefix = prefix;
    this.port = port;
  }

  static RealNginx start(Path prefix) throws IOException, InterruptedException {
    RealNginx nginx = new RealNginx(prefix, freePort());
    Files.createDirectories(prefix.resolve("logs"));
    nginx.writeConfig(false);
    nginx.startMaster();
    return nginx;
  }

  private static Path findBinary() {
    for (String candidate : new String[] {"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"}) {
      if (Files.isExecutable(Path.of(candidate))) {
        return Path.of(candidate);
      }
    }
    throw new IllegalStateException("nginx is not installed; scripts/test installs it (apt-get install nginx)");
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }

  int port() {
    return port;
  }

  Path pidfile() {
    return prefix.resolve("nginx.pid");
  }

  long masterPid() {
    return master.pid();
  }

  String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /** The stub_status location answers garbage instead of the page (a broken or hijacked location). */
  void serveGarbageStubStatus(boolean garbage) throws IOException, InterruptedException {
    writeConfig(garbage);
    List<Long> oldWorkers = workerPids();
    control("reload");
    // Reloaded once every old worker is gone and new ones run.
    Await.until(Duration.ofSeconds(10), "reloaded", this::workerPids,
        workers -> !workers.isEmpty() && workers.stream().noneMatch(oldWorkers::contains));
  }

  /** Starts the master again after a stop or kill, same prefix and port. */
  void startMaster() throws IOException, InterruptedException {
    Files.deleteIfExists(pidfile());
    master = new ProcessBuilder(BINARY.toString(), "-p", prefix.toString(), "-c", prefix.resolve("nginx.conf").toString())
        .redirectErrorStream(true)
        .redirectOutput(prefix.resolve("logs/stdout.log").toFile())
        .start();
    startedPids.add(master.pid());
    Await.until(Duration.ofSeconds(10), "nginx started with 2 workers", this::workerPids, w -> {
      if (!master.isAlive()) {
        throw new AssertionError("nginx exited: " + readLog());
      }
      return w.size() == 2 && Files.exists(pidfile());
    });
    startedPids.addAll(workerPids());
  }

  /** nginx -s stop: what an operator or a package upgrade does. */
  void stop() throws IOException, InterruptedException {
    control("stop");
    if (!master.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError("nginx did not stop");
    }
  }

  /** SIGKILL to the master and every worker: a crash, or the OOM killer. */
  void killAll() throws IOException, InterruptedException {
    List<Long> pids = new ArrayList<>(workerPids());
    pids.add(master.pid());
    signal("KILL", pids);
    master.waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGSTOP (or SIGCONT) to master and workers: nginx hangs but its sockets stay open. */
  void freeze(boolean stopped) throws IOException, InterruptedException {
    List<Long> pids = new ArrayList<>(workerPids());
    pids.add(master.pid());
    signal(stopped ? "STOP" : "CONT", pids);
  }

  List<Long> workerPids() {
    if (master == null || !master.isAlive()) {
      return List.of();
    }
    return master.toHandle().children().map(ProcessHandle::pid).toList();
  }

  private void control(String signal) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(BINARY.toString(), "-p", prefix.toString(), "-c",
        prefix.resolve("nginx.conf").toString(), "-s", signal).redirectErrorStream(true).start();
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new AssertionError("nginx -s " + signal + " failed: " + new String(p.getInputStream().readAllBytes()));
    }
  }

  private static void signal(String name, List<Long> pids) throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>(List.of("kill", "-" + name));
    pids.forEach(pid -> argv.add(Long.toString(pid)));
    Process kill = new ProcessBuilder(argv).redirectErrorStream(true).start();
    if (!kill.waitFor(5, TimeUnit.SECONDS)) {
      kill.destroyForcibly();
      throw new AssertionError("kill -" + name + " hung");
    }
  }

  private void writeConfig(boolean garbageStub) throws IOException {
    String stub = garbageStub ? "return 200 \"garbage\\n\";" : "stub_status;";
    String tmp = prefix.resolve("tmp").toString();
    Files.writeString(prefix.resolve("nginx.conf"), String.join("\n",
        "daemon off;",
        "worker_processes 2;",
        "pid " + pidfile() + ";",
        "error_log " + prefix.resolve("logs/error.log") + " notice;",
        "events { worker_connections 256; }",
        "http {",
        "  access_log off;",
        "  client_body_temp_path " + tmp + "; proxy_temp_path " + tmp + "; fastcgi_temp_path " + tmp + ";",
        "  uwsgi_temp_path " + tmp + "; scgi_temp_path " + tmp + ";",
        "  server {",
        "    listen 127.0.0.1:" + port + ";",
        "    location / { return 200 \"hello\\n\"; }",
        "    location = /nginx_status { " + stub + " }",
        "  }",
        "}",
        ""));
  }

  private String readLog() {
    try {
      return Files.readString(prefix.resolve("logs/stdout.log")) + Files.readString(prefix.resolve("logs/error.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Stops, by pid, every process this fixture started (a stopped one too: SIGKILL works on it). */
  @Override
  public void close() throws IOException {
    List<Long> candidates = new ArrayList<>(startedPids);
    candidates.addAll(workerPids()); // workers started by a reload
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
