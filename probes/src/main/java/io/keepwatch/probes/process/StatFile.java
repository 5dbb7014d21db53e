package io.keepwatch.probes.process;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * One process's /proc/PID/stat, kept open and read again and again: a read at offset 0 of an open
 * stat file reports the process as it is now, into a buffer reused every time, so watching a
 * process this way costs one system call and allocates nothing. Once the process has exited (and
 * been reaped) the read fails: the file stays bound to that process, never to a later one that got
 * its pid.
 *
 * <p>Threads: one at a time.
 */
public final class StatFile implements AutoCloseable {

  /** The state letter of a process that no longer exists. */
  public static final char GONE = '-';

  private final FileChannel channel;
  private final ByteBuffer buffer = ByteBuffer.allocate(1024);

  private StatFile(FileChannel channel) {
    this.channel = channel;
  }

  /** Opens {@code root/PID/stat}, or empty when there is no such process. */
  public static Optional<StatFile> open(Path procRoot, int pid) {
    try {
      return Optional.of(
          new StatFile(
              FileChannel.open(
                  procRoot.resolve(Integer.toString(pid)).resolve("stat"),
                  StandardOpenOption.READ)));
    } catch (IOException gone) {
      return Optional.empty();
    }
  }

  /**
   * The state letter now (R, S, D, T, t, Z, X ...: see proc(5)), or {@link #GONE} once the process
   * has exited and been reaped. The comm between the parentheses may hold anything, so the state is
   * read after the last ')'.
   */
  public char state() {
    buffer.clear();
    int read;
    try {
      read = channel.read(buffer, 0);
    } catch (IOException gone) {
      return GONE; // ESRCH: the process is gone
    }
    for (int i = read - 1; i > 0; i--) {
      if (buffer.get(i) == ')') {
        return i + 2 < read ? (char) buffer.get(i + 2) : GONE;
      }
    }
    return GONE;
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing was written; nothing can be lost
    }
  }
}
