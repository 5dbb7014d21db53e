package io.keepwatch.agent.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The maintenance state file as others may leave it (issue 14). */
class MaintenanceFileTest {

  @TempDir Path dir;

  @Test
  void whatSaveWritesLoadsBack() throws Exception {
    MaintenanceFile file = new MaintenanceFile(dir.resolve("maintenance.json"));
    Instant since = Instant.parse("2026-11-21T23:07:49Z");
    file.save(Optional.of(new MaintenanceFile.Maintenance("kernel upgrade", since)));
    assertEquals(
        Optional.of(new MaintenanceFile.Maintenance("kernel upgrade", since)), file.load());
  }

  /** Regression: "maintenance": false still meant on. */
  @Test
  void falseMeansOff() throws Exception {
    Path path = dir.resolve("maintenance.json");
    Files.writeString(
        path, "{\"maintenance\":false,\"reason\":\"x\",\"since\":\"2026-11-21T23:07:49Z\"}\n");
    assertEquals(Optional.empty(), new MaintenanceFile(path).load());
  }

  /** Regression: an 8 MB state file killed the agent at every start (OutOfMemoryError). */
  @Test
  void aHugeFileIsNotReadAndMeansOnNamingTheLimit() throws Exception {
    Path path = dir.resolve("maintenance.json");
    Files.write(path, new byte[8 << 20]);
    String reason = new MaintenanceFile(path).load().orElseThrow().reason();
    assertTrue(reason.contains("more than the limit of 4096"), reason);
  }

  /** Regression: a FIFO there left the agent in STARTING for good, with no log line. */
  @Test
  void aFifoIsNotOpened() throws Exception {
    Path path = dir.resolve("maintenance.json");
    assertEquals(0, new ProcessBuilder("mkfifo", path.toString()).start().waitFor());
    Optional<MaintenanceFile.Maintenance> loaded =
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> new MaintenanceFile(path).load());
    assertTrue(loaded.orElseThrow().reason().contains("is not a regular file"), loaded::toString);
  }

  /** A reason is one line of /check: a 3 MB one made every answer and log line 3 MB. */
  @Test
  void aLongReasonIsCut() {
    String reason = new MaintenanceFile.Maintenance("x".repeat(5000), Instant.EPOCH).reason();
    assertEquals(MaintenanceFile.MAX_REASON + 3, reason.length());
  }
}
