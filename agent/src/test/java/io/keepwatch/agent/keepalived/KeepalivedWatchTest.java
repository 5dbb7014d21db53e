package io.keepwatch.agent.keepalived;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.supervisor.ActionJournal;
import io.keepwatch.agent.supervisor.CommandRunner;
import io.keepwatch.probes.process.ProcFs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keepalived watched through its pidfile and a canned /proc; the roles as the FIFO left them. */
class KeepalivedWatchTest {

  @TempDir Path dir;
  final AtomicReference<Map<String, VrrpRoles.Role>> roles = new AtomicReference<>(Map.of());
  final ActionJournal journal = new ActionJournal(Clock.systemUTC());

  Path pidfile() {
    return dir.resolve("keepalived.pid");
  }

  void process(int pid, String comm, char state) throws Exception {
    Path p = dir.resolve("proc").resolve(Integer.toString(pid));
    Files.createDirectories(p);
    Files.writeString(p.resolve("stat"), pid + " (" + comm + ") " + state + " 1 1 1 0 -1\n");
  }

  KeepalivedWatch watch(List<List<String>> goneCommands) throws Exception {
    Files.createDirectories(dir.resolve("proc"));
    return new KeepalivedWatch(
        pidfile(),
        List.of(),
        goneCommands,
        roles::get,
        journal,
        new CommandRunner(Duration.ofSeconds(5)),
        new ProcFs(dir.resolve("proc")),
        Clock.systemUTC());
  }

  static VrrpRoles.Role role(String state) {
    return new VrrpRoles.Role("INSTANCE", state, 254, Instant.now());
  }

  @Test
  void seesKeepalivedComeAndGoAndWhatItLeftBehind() throws Exception {
    Path marker = dir.resolve("gone-command-ran");
    KeepalivedWatch watch = watch(List.of(List.of("/bin/sh", "-c", "echo x >> " + marker)));
    process(42, "keepalived", 'S');
    Files.writeString(pidfile(), "42\n");
    watch.check();
    assertTrue(watch.state().up(), watch.state().detail());

    roles.set(Map.of("VI_1", role("MASTER"), "VI_2", role("BACKUP")));
    Files.delete(dir.resolve("proc/42/stat")); // SIGKILL: no clean exit, the pidfile stays
    watch.check();
    assertFalse(watch.state().up());
    assertEquals("stale pidfile " + pidfile() + ": no process 42", watch.state().detail());
    assertEquals(List.of("VI_1 (last reported MASTER)"), watch.state().strandedVips());
    watch.check();
    watch.check();
    assertEquals(1, Files.readAllLines(marker).size(), "the gone-commands run once an episode");
    assertEquals("keepalived-gone", journal.recent().get(0).action());

    process(43, "keepalived", 'S');
    Files.writeString(pidfile(), "43\n");
    watch.check();
    assertTrue(watch.state().up());
    assertEquals(List.of(), watch.state().strandedVips());
  }

  @Test
  void aCleanStopLeavesNothingHeld() throws Exception {
    KeepalivedWatch watch = watch(List.of());
    roles.set(Map.of("VI_1", role("STOP")));
    watch.check();
    assertFalse(watch.state().up());
    assertEquals(
        "pidfile " + pidfile() + " missing (keepalived not running)", watch.state().detail());
    assertEquals(List.of(), watch.state().strandedVips());
  }

  @Test
  void aPidReusedByAnotherProgramOrAStoppedKeepalivedIsNotRunning() throws Exception {
    KeepalivedWatch watch = watch(List.of());
    process(50, "bash", 'S');
    Files.writeString(pidfile(), "50\n");
    watch.check();
    assertEquals("stale pidfile " + pidfile() + ": pid 50 is 'bash'", watch.state().detail());
    process(51, "keepalived", 'T');
    Files.writeString(pidfile(), "51\n");
    watch.check();
    assertFalse(watch.state().up());
    assertTrue(
        watch.state().detail().startsWith("keepalived 51 is stopped"), watch.state().detail());
  }
}
