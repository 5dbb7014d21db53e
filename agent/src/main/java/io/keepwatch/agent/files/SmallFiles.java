package io.keepwatch.agent.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The small state files the agent writes for others to read (the track files, the lease, the
 * maintenance state): written whole or not at all.
 */
public final class SmallFiles {

  private SmallFiles() {}

  /**
   * Replaces {@code file}'s content atomically: the text goes to a temporary file beside it, which
   * is then renamed over it, so a reader (keepalived, keepwatch-check) sees the old content or the
   * new, never half. The temporary file is created afresh, never opened through a link someone
   * planted at its name (that would write wherever the link points).
   */
  public static void replace(Path file, String text) throws IOException {
    Path temporary = file.resolveSibling("." + file.getFileName() + ".tmp");
    Files.deleteIfExists(temporary); // a leftover, or a planted link: the link itself goes
    try {
      try (SeekableByteChannel out =
          Files.newByteChannel(
              temporary,
              StandardOpenOption.CREATE_NEW,
              StandardOpenOption.WRITE,
              LinkOption.NOFOLLOW_LINKS)) {
        ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
          out.write(bytes);
        }
      }
      Files.move(
          temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(temporary);
      } catch (IOException ignored) {
        // the write failed already; that is what the caller hears about
      }
      throw e;
    }
  }
}
