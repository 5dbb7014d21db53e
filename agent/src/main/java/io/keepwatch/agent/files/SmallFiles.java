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
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

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
    replace(file, text, Optional.empty());
  }

  /**
   * As {@link #replace(Path, String)}, the file readable by every user: for what keepalived's
   * unprivileged vrrp_script (keepwatch-check, as user nobody) reads, the agent's lease.
   */
  public static void replaceReadableByAll(Path file, String text) throws IOException {
    replace(file, text, Optional.of(PosixFilePermissions.fromString("rw-r--r--")));
  }

  private static void replace(Path file, String text, Optional<Set<PosixFilePermission>> mode)
      throws IOException {
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
      if (mode.isPresent()) {
        Files.setPosixFilePermissions(temporary, mode.get()); // the unit's umask is 0027
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
