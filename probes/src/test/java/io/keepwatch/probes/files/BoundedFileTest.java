package io.keepwatch.probes.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BoundedFileTest {

  @TempDir Path dir;

  @Test
  void readsASmallRegularFileWhole() throws Exception {
    Path file = dir.resolve("small");
    Files.writeString(file, "hello\n");
    assertArrayEquals("hello\n".getBytes(StandardCharsets.UTF_8), BoundedFile.read(file, 6));
    assertThrows(NoSuchFileException.class, () -> BoundedFile.read(dir.resolve("none"), 6));
  }

  @Test
  void aFileOverTheLimitIsRefusedNamingFileAndLimit() throws Exception {
    Path file = dir.resolve("big");
    Files.write(file, new byte[8 << 20]);
    BoundedFile.Refused refused =
        assertThrows(BoundedFile.Refused.class, () -> BoundedFile.read(file, 4096));
    assertEquals(file + " is 8388608 bytes, more than the limit of 4096", refused.getMessage());
  }

  @Test
  void fifosDevicesAndDirectoriesAreNeverOpened() throws Exception {
    Path fifo = mkfifo(dir.resolve("fifo"));
    Path zero = Files.createSymbolicLink(dir.resolve("zero"), Path.of("/dev/zero"));
    for (Path file : List.of(fifo, zero, dir)) {
      BoundedFile.Refused refused =
          assertTimeoutPreemptively(
              Duration.ofSeconds(5),
              () -> assertThrows(BoundedFile.Refused.class, () -> BoundedFile.read(file, 64)));
      assertTrue(
          refused.getMessage().startsWith(file + " is not a regular file ("), refused::getMessage);
    }
  }

  /**
   * The check-then-open race: the file is swapped for a FIFO after its type was checked. Before
   * this class, such a read blocked in open(2) for good (the process probe's thread, issue 14).
   */
  @Test
  void aFileSwappedForAFifoAfterTheCheckIsRefusedInTimeAndItsThreadReleased() throws Exception {
    Path file = dir.resolve("nginx.pid");
    Files.writeString(file, "4242\n");
    Path fifo = mkfifo(dir.resolve("swap.fifo"));
    Runnable swap =
        () -> {
          try {
            Files.move(
                fifo, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        };
    BoundedFile.Refused refused =
        assertTimeoutPreemptively(
            Duration.ofSeconds(5),
            () -> assertThrows(BoundedFile.Refused.class, () -> BoundedFile.read(file, 32, swap)));
    assertEquals(
        file + " did not open within 1000 ms: not a regular file any more (replaced by a FIFO?)",
        refused.getMessage());
    awaitNoReaderInOpen();
    // and the next read works as usual once a regular file is back
    Files.delete(file);
    Files.writeString(file, "4243\n");
    assertArrayEquals("4243\n".getBytes(StandardCharsets.UTF_8), BoundedFile.read(file, 32));
  }

  /** No thread of the reader pool is still inside open(2) or read(2) of the FIFO. */
  private static void awaitNoReaderInOpen() throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (stuckReaders() > 0) {
      assertTrue(System.nanoTime() < end, "a keepwatch-file-read thread is still stuck");
      Thread.sleep(10);
    }
  }

  private static long stuckReaders() {
    return Thread.getAllStackTraces().entrySet().stream()
        .filter(e -> e.getKey().getName().startsWith("keepwatch-file-read"))
        .filter(
            e ->
                List.of(e.getValue()).stream()
                    .anyMatch(
                        frame ->
                            frame.getMethodName().startsWith("open")
                                || frame.getMethodName().startsWith("read")))
        .count();
  }

  private static Path mkfifo(Path path) throws Exception {
    Process mkfifo = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
    assertEquals(0, mkfifo.waitFor());
    return path;
  }
}
