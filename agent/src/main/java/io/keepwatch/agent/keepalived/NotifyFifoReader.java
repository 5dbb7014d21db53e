package io.keepwatch.agent.keepalived;

import io.keepwatch.agent.log.Throttle;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reads keepalived's vrrp_notify_fifo on its own thread and hands every line to {@link VrrpRoles}.
 *
 * <p>The FIFO is opened read-write: open(2) then never blocks waiting for a writer, and holding a
 * write end ourselves means no end-of-file when keepalived closes it, so a keepalived restart is
 * seen as nothing but a pause. keepalived never blocks on us: this thread reads as fast as lines
 * come. If the FIFO is replaced (keepalived removed and recreated it on reload) the reader notices
 * within a second and reopens the new one. The FIFO is created (mode 0600) if missing. Garbage
 * lines are logged and skipped.
 */
public final class NotifyFifoReader implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger("keepwatch");
  private static final long CHECK_REPLACED_MILLIS = 1000;

  private final Throttle skipped = new Throttle(LOG);
  private final Path fifo;
  private final VrrpRoles roles;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile RandomAccessFile open;

  public NotifyFifoReader(Path fifo, VrrpRoles roles) {
    this.fifo = Objects.requireNonNull(fifo, "fifo");
    this.roles = Objects.requireNonNull(roles, "roles");
    this.thread = new Thread(this::run, "keepwatch-notify-fifo");
    this.thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  private void run() {
    while (running) {
      try {
        ensureFifo();
        Object key = Files.readAttributes(fifo, BasicFileAttributes.class).fileKey();
        try (RandomAccessFile file = new RandomAccessFile(fifo.toFile(), "rw")) {
          open = file;
          LOG.info("reading keepalived's notify FIFO " + fifo);
          readUntilReplaced(file.getChannel(), key);
        } finally {
          open = null;
        }
      } catch (IOException | RuntimeException e) {
        if (running) {
          LOG.warning("notify FIFO " + fifo + ": " + e.getMessage() + "; retrying in 5 s");
          sleep(5000);
        }
      }
    }
  }

  /** Reads lines until the path names another file than the one open, or until closed. */
  private void readUntilReplaced(FileChannel channel, Object key) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(4096);
    // Bytes, decoded as UTF-8 once the line is whole: a name may hold any language's letters.
    ByteArrayOutputStream line = new ByteArrayOutputStream(NotifyLine.MAX_LENGTH);
    boolean discarding = false;
    // A watcher wakes the blocked read by writing a newline when the FIFO is replaced or we stop.
    Thread watcher = new Thread(() -> watchForReplacement(key), "keepwatch-notify-fifo-watch");
    watcher.setDaemon(true);
    watcher.start();
    try {
      while (running && sameFile(key)) {
        buffer.clear();
        int n = channel.read(buffer);
        if (n < 0) {
          return;
        }
        for (int i = 0; i < n; i++) {
          byte b = buffer.get(i);
          if (b == '\n') {
            if (!discarding && line.size() > 0) {
              handle(line.toString(StandardCharsets.UTF_8));
            }
            line.reset();
            discarding = false;
          } else if (line.size() >= NotifyLine.MAX_LENGTH) {
            if (!discarding) {
              skipped.warning(
                  "notify FIFO: line longer than " + NotifyLine.MAX_LENGTH + " bytes skipped");
            }
            discarding = true;
            line.reset();
          } else if (!discarding) {
            line.write(b);
          }
        }
      }
    } finally {
      watcher.interrupt();
    }
  }

  private void handle(String text) {
    try {
      roles.apply(NotifyLine.parse(text));
    } catch (IllegalArgumentException e) {
      skipped.warning("notify FIFO: skipped a line: " + e.getMessage());
    }
  }

  private void watchForReplacement(Object key) {
    while (running && !Thread.currentThread().isInterrupted()) {
      sleep(CHECK_REPLACED_MILLIS);
      if (!sameFile(key)) {
        LOG.info("notify FIFO " + fifo + " was replaced; reopening");
        wake();
        return;
      }
    }
  }

  private boolean sameFile(Object key) {
    try {
      return key.equals(
          Files.readAttributes(fifo, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
              .fileKey());
    } catch (IOException e) {
      return false; // removed: reopen (and recreate) it
    }
  }

  /** Unblocks the reader: a newline through our own write end of the FIFO we hold open. */
  private void wake() {
    RandomAccessFile file = open;
    if (file != null) {
      try {
        file.write('\n');
      } catch (IOException ignored) {
        // the reader is gone already
      }
    }
  }

  private void ensureFifo() throws IOException {
    if (Files.exists(fifo, LinkOption.NOFOLLOW_LINKS)) {
      int mode = (Integer) Files.getAttribute(fifo, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      if ((mode & 0170000) != 0010000) { // S_IFMT, S_IFIFO (inode(7))
        throw new IOException("exists and is not a FIFO");
      }
      return;
    }
    Files.createDirectories(fifo.toAbsolutePath().getParent());
    Process mkfifo =
        new ProcessBuilder(List.of("mkfifo", "-m", "0600", fifo.toString()))
            .redirectErrorStream(true)
            .start();
    try {
      if (!mkfifo.waitFor(5, TimeUnit.SECONDS) || mkfifo.exitValue() != 0) {
        mkfifo.destroyForcibly();
        throw new IOException(
            "mkfifo failed: "
                + new String(mkfifo.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                    .strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while creating the FIFO", e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    running = false;
    wake();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      LOG.log(Level.FINE, "interrupted while stopping the FIFO reader", e);
    }
  }
}
