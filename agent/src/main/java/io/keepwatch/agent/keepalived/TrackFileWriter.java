package io.keepwatch.agent.keepalived;

import io.keepwatch.agent.config.AgentConfig;
import io.keepwatch.agent.verdict.Judge;
import io.keepwatch.agent.verdict.Snapshot;
import io.keepwatch.agent.verdict.Verdict;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Writes the file keepalived's {@code track_file} watches: {@code up-value} while /check answers
 * 200, {@code down-value} otherwise. keepalived sees each change through inotify, with no process
 * spawned. Each write goes to a temporary file in the same directory and is renamed over the track
 * file, so keepalived never reads a half-written value.
 *
 * <p>Fail-safe: the agent writes {@code down-value} when it stops; with keepalived's {@code weight
 * 0 reverse} and the defaults (up 1, down 0), a 0, a missing file or an unreadable one all mean
 * FAULT, so a dead agent or a deleted file never looks healthy. When "down" cannot be written (a
 * full disk), the file is removed instead, which keepalived reads the same way. {@link #verify()},
 * every second, repairs a file or directory someone removed or changed.
 */
public final class TrackFileWriter implements Judge.Listener, AutoCloseable {

  private static final Logger LOG = Logger.getLogger("keepwatch");

  private final AgentConfig.TrackFile config;
  private final Supplier<Snapshot> snapshots;
  private volatile Integer written;
  private volatile boolean closed;
  private String problem; // the last problem logged; guarded by this

  public TrackFileWriter(AgentConfig.TrackFile config, Supplier<Snapshot> snapshots) {
    this.config = config;
    this.snapshots = snapshots;
  }

  /** Writes the value for the current verdict (STARTING: down) at start. */
  public void start() {
    write(wanted());
  }

  @Override
  public void verdictChanged(Verdict before, Verdict after) {
    if (closed) {
      return; // stopping: the last value written is down, and stays
    }
    write(wanted());
  }

  /**
   * Called every second: puts the right value back when a write failed (disk full), or the file or
   * its directory was removed or changed by someone else. Reads one small file; writes only when
   * something is wrong.
   */
  public synchronized void verify() {
    if (closed) {
      return;
    }
    int wanted = wanted();
    if (written == null || written != wanted || !String.valueOf(wanted).equals(readBack())) {
      written = null;
      write(wanted);
    }
  }

  private int wanted() {
    return snapshots.get().answer().up() ? config.upValue() : config.downValue();
  }

  private String readBack() {
    try {
      return Files.readString(config.path(), StandardCharsets.US_ASCII).strip();
    } catch (IOException | java.io.UncheckedIOException e) {
      return null;
    }
  }

  private synchronized void write(int value) {
    if (Integer.valueOf(value).equals(written)) {
      return;
    }
    Path path = config.path();
    Path temporary = path.resolveSibling("." + path.getFileName() + ".tmp");
    try {
      Files.createDirectories(path.toAbsolutePath().getParent()); // removed under us: put it back
      Files.writeString(temporary, value + "\n", StandardCharsets.US_ASCII);
      Files.move(
          temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      written = value;
      problem = null;
      LOG.info("track file " + path + ": " + value);
    } catch (IOException e) {
      written = null;
      deleteQuietly(temporary);
      if (value == config.upValue()) {
        report(
            "cannot write "
                + value
                + " to track file "
                + path
                + " ("
                + e
                + "); keepalived still sees the previous"
                + " value; retrying every second");
      } else if (deleteQuietly(path)) {
        // Writing needs space, removing does not: with "weight 0 reverse" a missing file is FAULT.
        report(
            "cannot write "
                + value
                + " to track file "
                + path
                + " ("
                + e
                + "); removed it instead, which"
                + " keepalived reads as FAULT; retrying every second");
      } else {
        report(
            "cannot write "
                + value
                + " to track file "
                + path
                + " nor remove it ("
                + e
                + "); keepalived may still"
                + " see an old value; retrying every second");
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

  /** The agent stops: keepalived must not keep trusting an old "up". */
  @Override
  public synchronized void close() {
    closed = true;
    written = null;
    write(config.downValue());
  }
}
