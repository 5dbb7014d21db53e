package io.keepwatch.agent.keepalived;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.TestProbes;
import io.keepwatch.agent.verdict.Inherited;
import io.keepwatch.agent.verdict.Judge;
import io.keepwatch.probes.ProbeResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lease in hundredths of a second since boot, on a clock the test moves. */
class AgentLeaseTest {

  @TempDir Path dir;
  final AtomicLong uptime = new AtomicLong(100_000);
  final Judge judge = new Judge(List.of(TestProbes.tcp("port")), Clock.systemUTC());

  AgentLease lease() {
    return new AgentLease(
        dir.resolve("lease"), Duration.ofSeconds(3), judge::snapshot, uptime::get);
  }

  @Test
  void nothingIsRenewedBeforeTheAgentHasAVerdictOfItsOwn() {
    lease().renew();
    assertEquals(Optional.empty(), lease().held(), "STARTING: no lease");
  }

  @Test
  void aRenewedLeaseHoldsTheAnswersForItsLengthThenRunsOut() throws Exception {
    judge.record("port", ProbeResult.ok("connected"));
    lease().renew();
    assertEquals("1 1 100300", Files.readString(dir.resolve("lease")).strip());
    assertEquals(
        "rw-r--r--",
        java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(dir.resolve("lease"))),
        "keepwatch-check runs as nobody (keepalived's script_user)");

    uptime.addAndGet(250); // 2.5 s later: the next agent starts
    assertEquals(
        Optional.of(new AgentLease.Held(new Inherited(true, true), Duration.ofMillis(500))),
        lease().held());
    uptime.addAndGet(50); // 3 s: run out
    assertEquals(Optional.empty(), lease().held());
  }

  @Test
  void aSurrenderedLeaseStandsForNothing() {
    judge.record("port", ProbeResult.ok("connected"));
    lease().renew();
    lease().surrender();
    assertEquals(
        Optional.of(new AgentLease.Held(new Inherited(false, false), Duration.ofSeconds(3))),
        lease().held());
  }

  @Test
  void garbageALeaseFromBeforeABootAndALinkAreNotTrusted() throws Exception {
    Path file = dir.resolve("lease");
    Files.writeString(file, "1 1 banana\n");
    assertEquals(Optional.empty(), lease().held());
    Files.writeString(file, "1 1 999999999\n"); // far in the future: written before a reboot
    assertEquals(Optional.empty(), lease().held());
    Files.delete(file);
    Path elsewhere = Files.writeString(dir.resolve("other"), "1 1 100100\n");
    Files.createSymbolicLink(file, elsewhere);
    assertEquals(Optional.empty(), lease().held());
    assertTrue(Files.isSymbolicLink(file));
  }
}
