package io.keepwatch.agent.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether a standard stream of this process is connected to the journal. systemd sets {@code
 * JOURNAL_STREAM=DEVICE:INODE} (both decimal) for the stream it connected to journald; a process
 * compares that with what its own file descriptor is, because a child that redirected its stdout
 * inherits the variable all the same (systemd.exec(5), "JOURNAL_STREAM").
 */
public final class JournalStream {

  private JournalStream() {}

  /** Is stdout the journal? */
  public static boolean stdout() {
    return is(1, System.getenv("JOURNAL_STREAM"));
  }

  /** Is stderr the journal? */
  public static boolean stderr() {
    return is(2, System.getenv("JOURNAL_STREAM"));
  }

  static boolean is(int fd, String journalStream) {
    if (journalStream == null) {
      return false;
    }
    Optional<String> mine = deviceAndInode(Path.of("/proc/self/fd/" + fd));
    return mine.isPresent() && mine.get().equals(journalStream.strip());
  }

  /** "DEVICE:INODE" of what the path leads to (stat(2), following /proc's fd link). */
  static Optional<String> deviceAndInode(Path path) {
    try {
      Object device = Files.getAttribute(path, "unix:dev");
      Object inode = Files.getAttribute(path, "unix:ino");
      return Optional.of(Long.toUnsignedString((Long) device) + ":" + inode);
    } catch (IOException | UnsupportedOperationException | ClassCastException e) {
      return Optional.empty();
    }
  }
}
