package io.keepwatch.agent.keepalived;

import io.keepwatch.agent.config.AgentConfig;
import io.keepwatch.agent.verdict.Judge;
import io.keepwatch.agent.verdict.Snapshot;
import io.keepwatch.agent.verdict.Verdict;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * Writes the files keepalived's {@code track_file} watches; keepalived sees each change through
 * inotify, with no process spawned.
 *
 * <ul>
 *   <li>{@code path}: {@code up-value} while this node may hold the VIP, {@code down-value} when it
 *       must not (FAULT). "May hold" is /check/serving's answer when a degraded file is configured
 *       (a wrong answer only lowers the priority), /check's otherwise (a wrong answer is a FAULT,
 *       as in the classic set-up).
 *   <li>{@code degraded-path}, if set: {@code degraded-value} while nginx answers, but wrongly
 *       (DEGRADED), 0 otherwise. With a negative weight in keepalived.conf it lowers the node's
 *       priority, so a healthier peer takes the VIP and an equal failure on both keeps it where it
 *       is.
 * </ul>
 *
 * <p>Fail-safe: with keepalived's {@code weight 0 reverse} and the defaults (up 1, down 0), a 0, a
 * missing file or an unreadable one all mean FAULT. When "down" cannot be written (a full disk),
 * the file is removed instead, which keepalived reads the same way. {@link #verify()}, every
 * second, repairs a file or directory someone removed or changed. When the agent stops it writes
 * down, unless keepalived itself watches the agent (keepalived.track-process): then the values stay
 * for the next agent (a restart or an upgrade must not move the VIP), and keepalived takes the node
 * out when no agent comes back.
 */
public final class TrackFileWriter implements Judge.Listener, AutoCloseable {

  private final List<TrackedFile> files = new ArrayList<>();
  private volatile boolean closed;
  private final Path trackFile;

  /**
   * @param snapshots the agent's current snapshot, whichever core is in charge
   * @param keepOnStop whether keepalived watches the agent's process, so a stop leaves the files
   */
  public TrackFileWriter(
      AgentConfig.TrackFile config, Supplier<Snapshot> snapshots, boolean keepOnStop) {
    this.trackFile = config.path();
    boolean degradedFile = config.degradedPath().isPresent();
    files.add(
        new TrackedFile(
            config.path(),
            () -> {
              Snapshot s = snapshots.get();
              boolean mayHold = degradedFile ? s.serving().up() : s.answer().up();
              return mayHold ? config.upValue() : config.downValue();
            },
            config.downValue(),
            keepOnStop ? OptionalInt.empty() : OptionalInt.of(config.downValue())));
    if (!keepOnStop) {
      // a death without a clean stop says what a clean stop would have said
      LastWords.set(config.path(), config.downValue());
    }
    config
        .degradedPath()
        .ifPresent(
            path ->
                files.add(
                    new TrackedFile(
                        path,
                        () -> {
                          Snapshot s = snapshots.get();
                          boolean degraded = s.serving().up() && !s.answer().up();
                          return degraded ? config.degradedValue() : 0;
                        },
                        null,
                        OptionalInt.empty())));
  }

  /** Writes the values for the current verdict (STARTING: down, unless inherited) at start. */
  public void start() {
    files.forEach(TrackedFile::writeWanted);
  }

  @Override
  public void verdictChanged(Verdict before, Verdict after) {
    if (closed) {
      return; // stopping: what close() left stays
    }
    files.forEach(TrackedFile::writeWanted);
  }

  /**
   * Called every second: puts the right value back when a write failed (disk full), or a file or
   * its directory was removed or changed by someone else. Reads small files; writes only when
   * something is wrong.
   */
  public void verify() {
    if (closed) {
      return;
    }
    files.forEach(TrackedFile::verify);
  }

  /** The agent stops: down, unless keepalived watches the agent itself (see the class comment). */
  @Override
  public void close() {
    closed = true;
    files.forEach(TrackedFile::stop);
    LastWords.forget(trackFile);
  }
}
