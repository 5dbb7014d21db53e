package io.keepwatch.probes.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads the small files keepwatch is handed by others (nginx's and keepalived's pidfiles, its own
 * state files that anyone with root may replace, configuration files): never more than a limit,
 * never a FIFO or a device, and never with a thread stuck in open(2).
 *
 * <p>Only a regular file is opened (a FIFO would block open(2) until a writer comes; /dev/zero is
 * endless). Java cannot open with O_NONBLOCK, so the type is checked first, and a file swapped for
 * a FIFO between the check and the open is caught by a bound in time: the open and read run on a
 * thread of a small pool of their own, and the caller waits at most {@link #OPEN_WITHIN}. A read
 * still waiting then is refused, and its thread released: opening the FIFO read-write (which never
 * blocks on Linux, fifo(7)) gives the stuck open(2) its writer, and closing it again gives the read
 * its end-of-file.
 */
public final class BoundedFile {

  /** A regular file opens and reads in microseconds; this long means something is wrong. */
  static final Duration OPEN_WITHIN = Duration.ofSeconds(1);

  /** At most this many reads may be stuck at once (each a thread); beyond it reads are refused. */
  private static final int MAX_THREADS = 4;

  private static final ThreadPoolExecutor READERS =
      new ThreadPoolExecutor(
          0, MAX_THREADS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), BoundedFile::thread);

  private static final AtomicInteger THREADS = new AtomicInteger();

  /** A file not read because it breaks a limit; the message names the file and the limit. */
  public static final class Refused extends IOException {
    private static final long serialVersionUID = 1L;

    private final String why;

    Refused(Path file, String why) {
      super(file + " " + why);
      this.why = why;
    }

    /** What is wrong, without the file's name: "is not a regular file (a directory)". */
    public String why() {
      return why;
    }
  }

  private BoundedFile() {}

  /**
   * The bytes of {@code file}, at most {@code maxBytes} of them.
   *
   * @throws java.nio.file.NoSuchFileException when there is no such file
   * @throws Refused when it is not a regular file, is larger than {@code maxBytes}, or does not
   *     open and read within {@link #OPEN_WITHIN}
   * @throws IOException when it cannot be read (permissions...)
   */
  public static byte[] read(Path file, int maxBytes) throws IOException {
    return read(file, maxBytes, () -> {});
  }

  /** {@link #read(Path, int)} decoded as UTF-8 (a malformed byte becomes U+FFFD). */
  public static String readUtf8(Path file, int maxBytes) throws IOException {
    return new String(read(file, maxBytes), StandardCharsets.UTF_8);
  }

  /** For tests: {@code betweenCheckAndOpen} runs where a swap would have to happen. */
  static byte[] read(Path file, int maxBytes, Runnable betweenCheckAndOpen) throws IOException {
    BasicFileAttributes attributes = requireRegular(file);
    if (attributes.size() > maxBytes) {
      throw new Refused(
          file, "is " + attributes.size() + " bytes, more than the limit of " + maxBytes);
    }
    Future<byte[]> reading;
    try {
      reading =
          READERS.submit(
              () -> {
                betweenCheckAndOpen.run();
                try (InputStream in = Files.newInputStream(file)) {
                  return in.readNBytes(maxBytes + 1);
                }
              });
    } catch (RejectedExecutionException e) {
      throw new Refused(
          file, "not read: " + MAX_THREADS + " earlier reads of files are still stuck in open(2)");
    }
    byte[] bytes = await(file, reading);
    if (bytes.length > maxBytes) {
      throw new Refused(file, "grew past the limit of " + maxBytes + " bytes while being read");
    }
    return bytes;
  }

  /**
   * {@code file}'s attributes (links followed), when it is a regular file.
   *
   * @throws Refused when it is not
   */
  public static BasicFileAttributes requireRegular(Path file) throws IOException {
    BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
    if (!attributes.isRegularFile()) {
      throw new Refused(file, "is not a regular file (" + kind(attributes) + ")");
    }
    return attributes;
  }

  private static byte[] await(Path file, Future<byte[]> reading) throws IOException {
    try {
      return reading.get(OPEN_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      reading.cancel(true);
      release(file);
      throw new Refused(
          file,
          "did not open within "
              + OPEN_WITHIN.toMillis()
              + " ms: not a regular file any more (replaced by a FIFO?)");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(file + ": " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      reading.cancel(true);
      release(file);
      Thread.currentThread().interrupt();
      throw new IOException(file + ": interrupted while reading", e);
    }
  }

  /**
   * Gives a reader stuck in open(2) on a FIFO its writer, then its end-of-file. Only a FIFO:
   * opening a device read-write can act on it (a watchdog, a tape), so nothing else is ever opened
   * here.
   */
  private static void release(Path file) {
    try {
      int mode = (Integer) Files.getAttribute(file, "unix:mode");
      if ((mode & 0170000) == 0010000) { // S_IFMT, S_IFIFO (inode(7))
        // opened and closed: that is all the stuck reader needs
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE).close();
      }
    } catch (IOException | RuntimeException e) {
      // gone again, or not ours to open: the reader stays stuck, and counts toward MAX_THREADS
    }
  }

  private static String kind(BasicFileAttributes attributes) {
    if (attributes.isDirectory()) {
      return "a directory";
    }
    return attributes.isOther() ? "a FIFO, socket or device" : "not a file";
  }

  private static Thread thread(Runnable task) {
    Thread t = new Thread(task, "keepwatch-file-read-" + THREADS.incrementAndGet());
    t.setDaemon(true);
    return t;
  }
}
