package io.keepwatch.probes.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.probes.ProbeResult;
import io.keepwatch.probes.ProbeResult.Outcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process probe against a canned /proc tree: every reason it can give. */
class ProcessProbeTest {

  @TempDir Path dir;

  private Path proc() {
    return dir.resolve("proc");
  }

  private Path pidfile() {
    return dir.resolve("nginx.pid");
  }

  private void process(int pid, String comm, char state, int ppid, String cmdline, int... children)
      throws IOException {
    Path p = proc().resolve(Integer.toString(pid));
    Files.createDirectories(p.resolve("task").resolve(Integer.toString(pid)));
    Files.writeString(
        p.resolve("stat"), pid + " (" + comm + ") " + state + " " + ppid + " 1 1 0 -1\n");
    Files.writeString(p.resolve("cmdline"), cmdline.replace(' ', '\0') + "\0");
    String list =
        Arrays.stream(children).mapToObj(Integer::toString).collect(Collectors.joining(" "));
    Files.writeString(
        p.resolve("task").resolve(Integer.toString(pid)).resolve("children"),
        list.isEmpty() ? "" : list + " ");
  }

  private ProbeResult inspect(int minWorkers) {
    return new ProcessProbe(pidfile(), "nginx", minWorkers, new ProcFs(proc()), Runnable::run)
        .inspect();
  }

  private void healthyNginx() throws IOException {
    Files.writeString(pidfile(), "100\n");
    process(100, "nginx", 'S', 1, "nginx: master process /usr/sbin/nginx", 101, 102, 103);
    process(101, "nginx", 'S', 100, "nginx: worker process");
    process(102, "nginx", 'R', 100, "nginx: worker process");
    process(103, "nginx", 'S', 100, "nginx: cache manager process");
  }

  @Test
  void healthyMasterWithWorkers() throws IOException {
    healthyNginx();
    ProbeResult result = inspect(2);
    assertEquals(Outcome.OK, result.outcome(), result.detail());
    assertEquals("master 100, 2 live workers", result.detail());
  }

  @Test
  void cacheManagerIsNotAWorker() throws IOException {
    healthyNginx();
    assertFailure(inspect(3), "nginx master 100 has 2 live workers, needs 3");
  }

  @Test
  void missingPidfile() {
    assertGone(inspect(1), "pidfile " + pidfile() + " missing (nginx not running)");
  }

  /**
   * nginx's binary upgrade (SIGUSR2) renames the pidfile to .oldbin before the new master writes
   * its own: the old master still serves, and a restart then would kill a live upgrade.
   */
  @Test
  void theOldMasterOfABinaryUpgradeServesWhileThePidfileIsAway() throws IOException {
    healthyNginx();
    Files.move(pidfile(), Path.of(pidfile() + ".oldbin"));
    ProbeResult result = inspect(2);
    assertEquals(Outcome.OK, result.outcome(), result.detail());
    assertEquals(
        "binary upgrade under way (pidfile " + pidfile() + ".oldbin): master 100, 2 live workers",
        result.detail());
  }

  @Test
  void anOldbinFileOfAMasterLongGoneIsNoUpgrade() throws IOException {
    Files.writeString(Path.of(pidfile() + ".oldbin"), "100\n");
    assertGone(inspect(1), "pidfile " + pidfile() + " missing (nginx not running)");
  }

  @Test
  void pidfileWithGarbage() throws IOException {
    Files.writeString(pidfile(), "abc\u0001");
    assertFailure(inspect(1), "pidfile " + pidfile() + " holds 'abc\\x01', not a pid");
  }

  @Test
  void emptyPidfile() throws IOException {
    Files.writeString(pidfile(), "");
    assertFailure(inspect(1), "pidfile " + pidfile() + " holds '', not a pid");
  }

  @Test
  void stalePidNoProcess() throws IOException {
    Files.writeString(pidfile(), "4242\n");
    Files.createDirectories(proc());
    assertGone(inspect(1), "stale pidfile " + pidfile() + ": no process 4242");
  }

  @Test
  void stalePidReusedByAnotherProgram() throws IOException {
    Files.writeString(pidfile(), "100\n");
    process(100, "bash", 'S', 1, "bash");
    assertGone(inspect(1), "stale pidfile " + pidfile() + ": pid 100 is 'bash', not nginx");
  }

  @Test
  void stoppedMaster() throws IOException {
    healthyNginx();
    process(100, "nginx", 'T', 1, "nginx: master process", 101, 102);
    assertFailure(inspect(1), "nginx master 100 is stopped (SIGSTOP)");
  }

  @Test
  void zombieMaster() throws IOException {
    healthyNginx();
    process(100, "nginx", 'Z', 1, "");
    assertGone(inspect(1), "nginx master 100 is a zombie");
  }

  @Test
  void stoppedWorkersAreCounted() throws IOException {
    healthyNginx();
    process(101, "nginx", 'T', 100, "nginx: worker process");
    process(102, "nginx", 'T', 100, "nginx: worker process");
    assertFailure(inspect(1), "nginx master 100 has 0 live workers, needs 1 (2 stopped (SIGSTOP))");
  }

  @Test
  void masterWithoutWorkers() throws IOException {
    Files.writeString(pidfile(), "100\n");
    process(100, "nginx", 'S', 1, "nginx: master process");
    assertFailure(inspect(1), "nginx master 100 has 0 live workers, needs 1");
    assertEquals(Outcome.OK, inspect(0).outcome(), "min-workers 0 checks the master only");
  }

  @Test
  void drainingWorkersAfterReloadDoNotCount() throws IOException {
    Files.writeString(pidfile(), "100\n");
    process(100, "nginx", 'S', 1, "nginx: master process", 101);
    process(101, "nginx", 'S', 100, "nginx: worker process is shutting down");
    assertFailure(inspect(1), "nginx master 100 has 0 live workers, needs 1");
  }

  @Test
  void scansForChildrenWhenTheKernelHasNoChildrenFile() throws IOException {
    healthyNginx();
    for (int pid : new int[] {100, 101, 102, 103}) {
      Files.delete(proc().resolve(pid + "/task/" + pid + "/children"));
    }
    ProbeResult result = inspect(2);
    assertEquals(Outcome.OK, result.outcome(), result.detail());
  }

  @Test
  void workerThatExitedBetweenReadsIsIgnored() throws IOException {
    healthyNginx();
    // 104 is listed as a child but its /proc entry is already gone.
    process(100, "nginx", 'S', 1, "nginx: master process", 101, 102, 104);
    assertEquals(Outcome.OK, inspect(2).outcome());
  }

  private static void assertFailure(ProbeResult result, String detail) {
    assertFailure(result, Outcome.PROCESS, detail);
  }

  /** nginx is not running: a failure that counts at once. */
  private static void assertGone(ProbeResult result, String detail) {
    assertFailure(result, Outcome.GONE, detail);
    assertTrue(result.definitive());
  }

  private static void assertFailure(ProbeResult result, Outcome outcome, String detail) {
    assertEquals(outcome, result.outcome(), result.detail());
    assertEquals(detail, result.detail());
    assertTrue(!result.healthy());
  }
}
