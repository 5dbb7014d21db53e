package io.keepwatch.agent.keepalived;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Await;
import io.keepwatch.agent.metrics.KeepwatchMeters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

// Writing to a FIFO blocks until a reader has it open: bound every test, never hang the build.
@org.junit.jupiter.api.Timeout(value = 60, unit = java.util.concurrent.TimeUnit.SECONDS)
class NotifyFifoTest {

  @TempDir Path dir;

  @Test
  void parsesKeepalivedLines() {
    assertEquals(
        new NotifyLine("INSTANCE", "VI_1", "MASTER", 100),
        NotifyLine.parse("INSTANCE \"VI_1\" MASTER 100"));
    assertEquals(
        new NotifyLine("GROUP", "VG 1", "BACKUP", 0), NotifyLine.parse("GROUP \"VG 1\" BACKUP 0"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "garbage",
        "INSTANCE VI_1 MASTER 100",
        "INSTANCE \"VI_1\" MASTER",
        "INSTANCE \"VI_1\" MASTER -5",
        "INSTANCE \"VI_1\" MASTER 100 extra",
        "INSTANCE \"\" MASTER 100",
        "instance \"VI_1\" master 100",
        "INSTANCE \"VI\u0001\" MASTER 100"
      })
  void rejectsWhatKeepalivedDoesNotWrite(String line) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> NotifyLine.parse(line));
    assertTrue(e.getMessage().startsWith("expected TYPE \"NAME\" STATE PRIORITY"), e.getMessage());
  }

  @Test
  void rejectsHugeLines() {
    assertThrows(IllegalArgumentException.class, () -> NotifyLine.parse("x".repeat(10_000)));
  }

  static void write(Path fifo, String text) throws IOException {
    try (FileOutputStream out =
        new FileOutputStream(fifo.toFile())) { // blocks until our reader is there
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  static <T> T await(Supplier<T> value, java.util.function.Predicate<T> ok) {
    return Await.until(java.time.Duration.ofSeconds(10), "the FIFO's effect", value, ok);
  }

  @Test
  void readsRolesSkipsGarbageSurvivesWriterRestartsAndReplacement() throws Exception {
    Path fifo = dir.resolve("run/vrrp.fifo");
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    VrrpRoles roles =
        new VrrpRoles(
            Clock.systemUTC(), new KeepwatchMeters(registry, List.of(), () -> null, "test"));
    try (NotifyFifoReader reader = new NotifyFifoReader(fifo, roles)) {
      reader.start();
      await(() -> Files.exists(fifo), e -> e); // created by the reader, mode 0600
      assertEquals(
          "rw-------",
          java.nio.file.attribute.PosixFilePermissions.toString(
              Files.getPosixFilePermissions(fifo)));

      write(
          fifo,
          "INSTANCE \"VI_1\" BACKUP 100\n\u0000\u0001garbage\nINSTANCE \"VI_1\" MASTER 100\nGROUP \"VG_1\" MASTER 0\n");
      Map<String, VrrpRoles.Role> seen = await(roles::roles, r -> r.size() == 2);
      assertEquals("MASTER", seen.get("VI_1").state());
      assertEquals("MASTER", seen.get("group VG_1").state());
      assertEquals(
          1.0,
          registry
              .get("keepwatch.vrrp.state")
              .tags("vrrp_instance", "VI_1", "state", "MASTER")
              .gauge()
              .value());
      assertEquals(
          0.0,
          registry
              .get("keepwatch.vrrp.state")
              .tags("vrrp_instance", "VI_1", "state", "BACKUP")
              .gauge()
              .value());
      assertEquals(
          1.0,
          registry
              .get("keepwatch.vrrp.transitions")
              .tags("vrrp_instance", "VI_1", "to", "MASTER")
              .counter()
              .count());

      // The writer closed (keepalived stopped); a new writer (keepalived restarted) is read on.
      write(fifo, "INSTANCE \"VI_1\" FAULT 100\n");
      await(() -> roles.roles().get("VI_1").state(), s -> s.equals("FAULT"));

      // keepalived recreated the FIFO (reload): the reader follows the new one.
      Files.delete(fifo);
      new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor(5, TimeUnit.SECONDS);
      // Opening the new FIFO for writing blocks until the reader has reopened it: that is the
      // condition waited for (bounded by the class's timeout).
      write(fifo, "INSTANCE \"VI_1\" BACKUP 100\n");
      await(() -> roles.roles().get("VI_1").state(), s -> s.equals("BACKUP"));
    }
  }
}
