package io.keepwatch.agent.keepalived;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.TestProbes;
import io.keepwatch.agent.config.AgentConfig;
import io.keepwatch.agent.verdict.Judge;
import io.keepwatch.agent.verdict.NodeState;
import io.keepwatch.probes.ProbeResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The track file under faults: removed, its directory removed, overwritten, and a full disk. */
class TrackFileWriterTest {

  @TempDir Path dir;
  Path mounted; // a tmpfs this test mounted, unmounted after

  final Judge judge = new Judge(List.of(TestProbes.tcp("port")), Clock.systemUTC());

  TrackFileWriter writer(Path file) {
    TrackFileWriter writer =
        new TrackFileWriter(
            new AgentConfig.TrackFile(file, 1, 0, Optional.empty(), 1), judge::snapshot, false);
    judge.addListener(writer);
    writer.start();
    return writer;
  }

  void up() {
    judge.record("port", ProbeResult.ok("connected"));
  }

  void down() {
    judge.record("port", ProbeResult.failed(ProbeResult.Outcome.CONNECT_FAILED, "refused"));
  }

  static String read(Path file) throws IOException {
    return Files.readString(file).strip();
  }

  @AfterEach
  void unmount() throws Exception {
    if (mounted != null) {
      Process p = new ProcessBuilder("umount", mounted.toString()).inheritIO().start();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Writes to the file until the filesystem is full (at most 64 KiB). */
  static void fill(Path filler) {
    try (var out = Files.newOutputStream(filler)) {
      byte[] block = new byte[512];
      for (int i = 0; i < 128; i++) {
        out.write(block);
        out.flush();
      }
    } catch (IOException full) {
      // ENOSPC: full, as wanted
    }
  }

  @Test
  void followsTheVerdictAndRepairsWhatOthersBreak() throws IOException {
    Path file = dir.resolve("run/keepwatch/track");
    TrackFileWriter writer = writer(file);
    assertEquals("0", read(file), "STARTING is down; the directory is created");
    up();
    assertEquals(NodeState.UP, judge.snapshot().verdict().state());
    assertEquals("1", read(file));

    Files.delete(file);
    writer.verify();
    assertEquals("1", read(file), "a removed file is written again");

    Files.delete(file);
    Files.delete(file.getParent());
    writer.verify();
    assertEquals("1", read(file), "a removed directory is created again");

    Files.writeString(file, "0\n");
    writer.verify();
    assertEquals("1", read(file), "a value someone else wrote is put right");

    down();
    assertEquals("0", read(file));
    writer.close();
    assertEquals("0", read(file));
    up();
    writer.verify();
    assertEquals("0", read(file), "after close nothing writes up again");
  }

  /**
   * With a degraded file, a wrong answer only lowers the priority: the main file keeps saying the
   * node may hold the VIP, the degraded file says by how much to lower it.
   */
  @Test
  void aDegradedFileTakesTheWrongAnswersAndTheMainFileKeepsServing() throws IOException {
    Path file = dir.resolve("track");
    Path degraded = dir.resolve("degraded");
    TrackFileWriter writer =
        new TrackFileWriter(
            new AgentConfig.TrackFile(file, 1, 0, Optional.of(degraded), 1),
            judge::snapshot,
            false);
    judge.addListener(writer);
    writer.start();
    assertEquals("0", read(file));
    assertEquals("0", read(degraded));
    up();
    assertEquals("1", read(file));
    judge.record(
        "port", ProbeResult.failed(ProbeResult.Outcome.BAD_RESPONSE, "HTTP 403, expected 200"));
    assertEquals(NodeState.DEGRADED, judge.snapshot().verdict().state());
    assertEquals("1", read(file), "nginx answers: the node may still hold the VIP");
    assertEquals("1", read(degraded), "but its priority drops");
    up();
    down();
    assertEquals("0", read(file), "nginx refuses: FAULT");
    writer.close();
  }

  /** Without a degraded file a wrong answer is a FAULT, as keepalived configs before it expect. */
  @Test
  void withoutADegradedFileAWrongAnswerIsAFault() throws IOException {
    Path file = dir.resolve("track");
    TrackFileWriter writer = writer(file);
    up();
    judge.record(
        "port", ProbeResult.failed(ProbeResult.Outcome.BAD_RESPONSE, "HTTP 403, expected 200"));
    assertEquals("0", read(file));
    writer.close();
  }

  /** When keepalived watches the agent's process, a stop leaves the file for the next agent. */
  @Test
  void aStopLeavesTheFileWhenKeepalivedWatchesTheAgent() throws IOException {
    Path file = dir.resolve("track");
    TrackFileWriter writer =
        new TrackFileWriter(
            new AgentConfig.TrackFile(file, 1, 0, Optional.empty(), 1), judge::snapshot, true);
    judge.addListener(writer);
    writer.start();
    up();
    writer.close();
    assertEquals("1", read(file), "a restart must not move the VIP");
  }

  @Test
  void aFullDiskRemovesTheFileRatherThanLeaveAStaleUp() throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "mounting a tmpfs needs root (CI runs as root)");
    Path small = Files.createDirectory(dir.resolve("small"));
    Process mount =
        new ProcessBuilder(
                "mount", "-t", "tmpfs", "-o", "size=16k,mode=0755", "tmpfs", small.toString())
            .inheritIO()
            .start();
    assertTrue(mount.waitFor(10, TimeUnit.SECONDS) && mount.exitValue() == 0, "mount failed");
    mounted = small;

    Path file = small.resolve("track");
    TrackFileWriter writer = writer(file);
    up();
    assertEquals("1", read(file));

    fill(small.resolve("filler"));
    down();
    assertFalse(
        Files.exists(file),
        "a stale 1 stayed on a full disk: keepalived would keep the VIP on a DOWN node");
    assertFalse(
        Files.exists(small.resolve(".track.tmp")), "a half-written temporary file stayed behind");

    fill(small.resolve("filler2")); // removing the file freed its block: take that too
    up();
    assertFalse(
        Files.exists(file), "nothing can be written while full: still missing, so still FAULT");

    Files.delete(small.resolve("filler"));
    Files.delete(small.resolve("filler2"));
    writer.verify();
    assertEquals("1", read(file), "space again: the next verify writes the right value");
    writer.close();
    assertEquals("0", read(file));
  }
}
