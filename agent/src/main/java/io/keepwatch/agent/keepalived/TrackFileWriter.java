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
 * spawned. Each write goes to a temporary file in the same directory and is renamed over the
 * track file, so keepalived never reads a half-written value.
 *
 * <p>Fail-safe: the agent writes {@code down-value} when it stops; with keepalived's
 * {@code weight 0 reverse} and the defaults (up 1, down 0), a 0, a missing file or an unreadable
 * one all mean FAULT, so a dead agent or a deleted file never looks healthy.
 */
public final class TrackFileWriter implements Judge.Listener, AutoCloseable {

  private static final Logger LOG = Logger.getLogger("keepwatch");

  private final AgentConfig.TrackFile config;
  private final Supplier<Snapshot> snapshots;
  private volatile Integer written;
  private volatile boolean closed;

  public TrackFileWriter(AgentConfig.TrackFile config, Supplier<Snapshot> snapshots) {
    this.config = config;
    this.snapshots = snapshots;
  }

  /** Writes the value for the current verdict (STARTING: down) at start. */
  public void start() {
    write(snapshots.get().answer().up() ? config.upValue() : config.downValue());
  }

  @Override
  public void verdictChanged(Verdict before, Verdict after) {
    if (closed) {
      return; // stopping: the last value written is down, and stays
    }
    write(snapshots.get().answer().up() ? config.upValue() : config.downValue());
  }

  private synchronized void write(int value) {
    if (Integer.valueOf(value).equals(written)) {
      return;
    }
    Path path = config.path();
    Path temporary = path.resolveSibling("." + path.getFileName() + ".tmp");
    try {
      Files.writeString(temporary, value + "\n", StandardCharsets.US_ASCII);
      Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      written = value;
      LOG.info("track file " + path + ": " + value);
    } catch (IOException e) {
      // Not fatal: keepalived keeps the last value it read; say so loudly and retry on the next change.
      written = null;
      LOG.warning("cannot write track file " + path + " (" + e + "); keepalived still sees the previous value");
    }
  }

  /** The agent stops: keepalived must not keep trusting an old "up". */
  @Override
  public void close() {
    closed = true;
    write(config.downValue());
  }
}
