package io.keepwatch.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Await;
import io.keepwatch.agent.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** scripts/nginx-hard-restart touches the nginx it was given, and only that one. */
@Timeout(60)
class NginxHardRestartTest {

  static final Path SCRIPT = Path.of("../scripts/nginx-hard-restart").toAbsolutePath().normalize();

  @TempDir Path dir;
  RealNginx mine;
  RealNginx other;

  @AfterEach
  void stop() throws Exception {
    for (RealNginx n : new RealNginx[] {mine, other}) {
      if (n != null) {
        n.close();
      }
    }
  }

  /**
   * Regression: every orphaned nginx worker on the host was killed, another service's included,
   * though only the workers of the dead master named in the pidfile can hold its port.
   */
  @Test
  void anotherNginxsOrphanedWorkersAreLeftAlone() throws Exception {
    mine = RealNginx.startDaemon(dir.resolve("mine"));
    other = RealNginx.startDaemon(dir.resolve("other"));
    List<Long> otherWorkers = other.workerPids();
    assertFalse(otherWorkers.isEmpty());
    // The other master dies without its workers (as under the OOM killer): orphans.
    long otherMaster = other.masterPid();
    Commands.signal("KILL", otherMaster);
    Await.until(
        Duration.ofSeconds(5),
        "the other master gone",
        () -> RealNginx.running(otherMaster),
        r -> !r);

    long myMaster = mine.masterPid();
    List<Long> myWorkers = mine.workerPids();
    Commands.Result restart =
        Commands.run(SCRIPT.toString(), mine.pidfile().toString(), "/bin/true");
    assertEquals(0, restart.exitCode(), restart.output());
    assertFalse(RealNginx.running(myMaster), "my master stopped");
    myWorkers.forEach(w -> assertFalse(RealNginx.running(w), "my worker " + w + " stopped"));
    otherWorkers.forEach(
        w -> assertTrue(RealNginx.running(w), "the other nginx's worker " + w + " was killed"));
    assertEquals("", restart.output(), "nothing printed but what the start command says");
  }

  /** A master killed alone leaves orphaned workers holding the port: they go, by its group. */
  @Test
  void theOrphansOfTheMasterInThePidfileGo() throws Exception {
    mine = RealNginx.startDaemon(dir.resolve("mine"));
    List<Long> workers = mine.workerPids();
    long master = mine.masterPid();
    Commands.signal("KILL", master);
    Await.until(Duration.ofSeconds(5), "master gone", () -> RealNginx.running(master), r -> !r);
    workers.forEach(w -> assertTrue(RealNginx.running(w), "an orphan " + w + " lives on"));
    Commands.Result restart =
        Commands.run(SCRIPT.toString(), mine.pidfile().toString(), "/bin/true");
    assertEquals(0, restart.exitCode(), restart.output());
    workers.forEach(w -> assertFalse(RealNginx.running(w), "orphan " + w + " still alive"));
  }

  /**
   * Regression (a restart that waited on bash): the scan for the dead master's orphans read each
   * process's /proc/PID/stat in a $(...) subshell, one fork per process on the node; with 70
   * processes that took 35 ms, which every restart after a SIGKILL waited for. Counted with strace,
   * not timed: the scan must fork nothing per process, however many there are.
   */
  @Test
  void theScanForksNothingPerProcess() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/strace"))
            && Commands.run("strace", "-o", "/dev/null", "/bin/true").exitCode() == 0,
        "needs strace (scripts/test installs it), allowed to trace (ptrace), to count forks");
    Process gone = new ProcessBuilder("/bin/true").start();
    assertTrue(gone.waitFor(10, TimeUnit.SECONDS));
    Path pidfile = dir.resolve("nginx.pid");
    Files.writeString(pidfile, gone.pid() + "\n"); // a master that died: the scan runs
    List<Process> bystanders = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) { // processes to scan past, on even the quietest machine
        bystanders.add(new ProcessBuilder("sleep", "60").start());
      }
      Path trace = dir.resolve("forks");
      Commands.Result restart =
          Commands.run(
              "strace",
              "-f",
              "-qq",
              "-o",
              trace.toString(),
              "-e",
              "trace=fork,vfork,clone,clone3",
              SCRIPT.toString(),
              pidfile.toString(),
              "/bin/true");
      assertEquals(0, restart.exitCode(), restart.output());
      List<String> forks =
          Files.readAllLines(trace).stream()
              .filter(l -> l.contains("clone") || l.contains("fork"))
              .toList();
      // rm of the stale pidfile is the one fork the script needs.
      assertTrue(forks.size() <= 2, forks.size() + " forks: " + String.join("\n", forks));
    } finally {
      for (Process p : bystanders) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * Regression: the wait for a master's SIGTERM read bash 5's EPOCHREALTIME, which bash 4.4 (EL 8)
   * does not have; under set -u every restart of a running nginx sent SIGTERM, then died (127)
   * without starting nginx. Here bash 5's new variables are unset before the script runs.
   */
  @Test
  void aLiveMasterIsStoppedWithoutBash5sVariables() throws Exception {
    mine = RealNginx.startDaemon(dir.resolve("mine"));
    long master = mine.masterPid();
    List<Long> workers = mine.workerPids();
    Commands.Result restart =
        Commands.run(
            "bash",
            "-c",
            "unset EPOCHREALTIME EPOCHSECONDS SRANDOM BASH_ARGV0; . \"$0\" \"$@\"",
            SCRIPT.toString(),
            mine.pidfile().toString(),
            "/bin/echo",
            "started");
    assertEquals(0, restart.exitCode(), restart.output());
    assertEquals("started\n", restart.output());
    assertFalse(RealNginx.running(master), "the master stopped");
    workers.forEach(w -> assertFalse(RealNginx.running(w), "worker " + w + " stopped"));
  }

  /** Regression: a grace of "08" was a bad octal number, after the SIGTERM had gone out. */
  @Test
  void aGraceWithALeadingZeroIsDecimal() throws Exception {
    mine = RealNginx.startDaemon(dir.resolve("mine"));
    long master = mine.masterPid();
    Commands.Result restart = restartWithGrace("08");
    assertEquals(0, restart.exitCode(), restart.output());
    assertFalse(RealNginx.running(master), "the master stopped");
    Commands.Result tooLong = restartWithGrace("99999999999999999999");
    assertEquals(64, tooLong.exitCode(), tooLong.output());
  }

  private Commands.Result restartWithGrace(String grace) throws Exception {
    return Commands.run(
        "env",
        "NGINX_STOP_GRACE=" + grace,
        SCRIPT.toString(),
        mine.pidfile().toString(),
        "/bin/true");
  }

  /**
   * Regression: the pidfile was read whatever it was; a FIFO in its place blocked the restart until
   * keepwatch's command timeout (here Commands.run's 60 s, which then kills the script: the test's
   * own bound is longer, so that it does). Now only a regular file is read.
   */
  @Test
  @Timeout(90)
  void aPidfileThatIsAFifoIsNotRead() throws Exception {
    Path fifo = dir.resolve("nginx.pid");
    Commands.ok("mkfifo", fifo.toString());
    Commands.Result restart =
        Commands.run(SCRIPT.toString(), fifo.toString(), "/bin/echo", "started");
    assertEquals(0, restart.exitCode(), restart.output());
    assertEquals("started\n", restart.output());
  }

  /**
   * Regression: a pidfile naming a pid that another process has now (nginx long gone) made that
   * process's nginx children victims: the kernel hands out no pid still used as a group, so the old
   * nginx has nothing left there, and another nginx run in the foreground by that process was
   * killed. Here the "other process" is this JVM, and its nginx child must live on.
   */
  @Test
  void aPidThatIsAnotherProcessNowStopsNothing() throws Exception {
    other = RealNginx.start(dir.resolve("other")); // this JVM's child, in the foreground
    long otherMaster = other.masterPid();
    List<Long> otherWorkers = other.workerPids();
    Path stale = dir.resolve("stale.pid");
    Files.writeString(stale, ProcessHandle.current().pid() + "\n");
    Commands.Result restart = Commands.run(SCRIPT.toString(), stale.toString(), "/bin/true");
    assertEquals(0, restart.exitCode(), restart.output());
    assertEquals("", restart.output(), "nothing to say: nginx's own output comes first");
    assertTrue(RealNginx.running(otherMaster), "the JVM's own nginx was killed");
    otherWorkers.forEach(w -> assertTrue(RealNginx.running(w), "worker " + w + " was killed"));
  }
}
