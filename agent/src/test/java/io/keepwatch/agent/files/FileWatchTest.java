package io.keepwatch.agent.files;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watch against the real inotify of a temporary directory. */
class FileWatchTest {

  @TempDir Path dir;
  final AtomicInteger changes = new AtomicInteger();

  @Test
  void tellsEachCreationWriteAndRemovalOfTheFile() throws Exception {
    Path file = dir.resolve("nginx.pid");
    try (FileWatch watch = FileWatch.start(file, Runnable::run, changes::incrementAndGet).get()) {
      Files.writeString(file, "4242\n");
      int created =
          Await.until(Duration.ofSeconds(5), "told of the new file", changes::get, n -> n > 0);
      Files.writeString(file, "4343\n");
      int written =
          Await.until(Duration.ofSeconds(5), "told of the write", changes::get, n -> n > created);
      Files.delete(file);
      Await.until(Duration.ofSeconds(5), "told of the removal", changes::get, n -> n > written);
      assertTrue(watch.valid());
    }
  }

  @Test
  void aRemovedDirectoryEndsTheWatchAndIsTold() throws Exception {
    Path sub = Files.createDirectory(dir.resolve("run"));
    try (FileWatch watch =
        FileWatch.start(sub.resolve("nginx.pid"), Runnable::run, changes::incrementAndGet).get()) {
      Files.delete(sub);
      Await.until(Duration.ofSeconds(5), "told", changes::get, n -> n > 0);
      Await.until(Duration.ofSeconds(5), "the watch ended", watch::valid, valid -> !valid);
    }
  }

  @Test
  void aMissingDirectoryCannotBeWatched() {
    assertTrue(
        FileWatch.start(dir.resolve("no/such/nginx.pid"), Runnable::run, () -> {}).isEmpty());
  }
}
