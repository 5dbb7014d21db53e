package io.keepwatch.agent.keepalived;

import io.keepwatch.agent.files.SmallFiles;
import io.keepwatch.probes.files.BoundedFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.function.IntSupplier;
import java.util.logging.Logger;

/**
 * One file keepalived's {@code track_file} reads a number from. Each write goes to a temporary file
 * in the same directory and is renamed over the file, so keepalived never reads a half-written
 * value. Threads: any; writes are serialized.
 */
final class TrackedFile {

  private static final Logger LOG = Logger.getLogger("keepwatch");

  private final Path path;
  private final IntSupplier wanted;
  private final Integer removeInsteadOf;
  private final OptionalInt onStop;
  private Integer written; // guarded by this
  private String problem; // the last problem logged; guarded by this

  /**
   * @param wanted the value the file must hold now
   * @param removeInsteadOf the value that, when it cannot be written (a full disk), is said by
   *     removing the file (keepalived reads a missing file as that value); null for none
   * @param onStop what to write when the agent stops; empty to leave the file as it is
   */
  TrackedFile(Path path, IntSupplier wanted, Integer removeInsteadOf, OptionalInt onStop) {
    this.path = path;
    this.wanted = wanted;
    this.removeInsteadOf = removeInsteadOf;
    this.onStop = onStop;
  }

  void writeWanted() {
    write(wanted.getAsInt());
  }

  synchronized void verify() {
    int value = wanted.getAsInt();
    if (written == null || written != value || !String.valueOf(value).equals(readBack())) {
      written = null;
      write(value);
    }
  }

  synchronized void stop() {
    if (onStop.isPresent()) {
      written = null;
      write(onStop.getAsInt());
    }
  }

  private String readBack() {
    try {
      // Bounded: someone may have put a FIFO or a huge file there; either is simply "not ours".
      return new String(BoundedFile.read(path, 32), StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      return null;
    }
  }

  private synchronized void write(int value) {
    if (Integer.valueOf(value).equals(written)) {
      return;
    }
    try {
      Files.createDirectories(path.toAbsolutePath().getParent()); // removed under us: put it back
      SmallFiles.replace(path, value + "\n");
      written = value;
      problem = null;
      LOG.info("track file " + path + ": " + value);
    } catch (IOException e) {
      written = null;
      String failed = "cannot write " + value + " to track file " + path + " (" + e + ")";
      if (!Integer.valueOf(value).equals(removeInsteadOf)) {
        report(failed + "; keepalived still sees the previous value; retrying every second");
      } else if (deleteQuietly(path)) {
        // Writing needs space, removing does not: with "weight 0 reverse" a missing file is FAULT.
        report(
            failed
                + "; removed it instead, which keepalived reads as FAULT; retrying every second");
      } else {
        report(
            failed
                + " nor remove it; keepalived may still see an old value; retrying every second");
      }
    }
  }

  private static boolean deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Logs a problem once, not every second while it lasts. */
  private void report(String message) {
    if (!message.equals(problem)) {
      problem = message;
      LOG.warning(message);
    }
  }
}
