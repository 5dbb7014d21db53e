package io.keepwatch.agent.schedule;

import io.keepwatch.agent.files.FileWatch;
import io.keepwatch.probes.process.PidFile;
import io.keepwatch.probes.process.StatFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Watches the nginx master named in a pidfile closely and cheaply, between the process probe's
 * runs. When the master exits or stops, the process probe is expedited (run at once, then quickly
 * until it falls), so a dead nginx is known, and restarted, within milliseconds instead of a probe
 * interval and a fall.
 *
 * <ul>
 *   <li>The pidfile through inotify ({@link FileWatch}): nginx removes it as it exits cleanly (a
 *       stop, SIGTERM, SIGQUIT), so a stop is seen the moment it happens, at no cost while nothing
 *       happens; a restart's new pidfile is followed at once too.
 *   <li>The master's /proc/PID/stat every {@link #EVERY}, through a file kept open (one system
 *       call, nothing allocated): a master killed (SIGKILL, a crash) or stopped (SIGSTOP) leaves
 *       its pidfile behind. Every look is a wake-up of the agent, which is most of what watching
 *       costs (bench/footprint.md): a master killed alone leaves its workers serving, so this path
 *       need not be as fast as the first.
 *   <li>The pidfile read again every {@link #PIDFILE_EVERY} whatever inotify says: a change it
 *       missed is late, never lost.
 * </ul>
 *
 * <p>It judges nothing itself: the probe does, with everything it checks. Threads: the scheduler's
 * (every look, and each inotify event is handed to it); the file watch's own to wait for events.
 */
public final class MasterWatch implements AutoCloseable {

  /** How often the master's state is looked at. */
  static final Duration EVERY = Duration.ofMillis(100);

  /** How often the pidfile is read whatever inotify says. */
  static final Duration PIDFILE_EVERY = Duration.ofSeconds(1);

  private static final Path PROC = Path.of("/proc");

  private final Path pidfile;
  private final ScheduledExecutorService loop;
  private final Runnable onTrouble;
  private final long looksPerPidfileRead;
  private Optional<StatFile> stat = Optional.empty();
  private Optional<FileWatch> pidfileWatch = Optional.empty();
  private int watchedPid;
  private char lastState = StatFile.GONE;
  private long ticks;
  private Optional<ScheduledFuture<?>> schedule = Optional.empty();

  /**
   * @param loop the scheduler thread
   * @param onTrouble what to do when the master exits or stops: expedite the process probe
   */
  public MasterWatch(Path pidfile, ScheduledExecutorService loop, Runnable onTrouble) {
    this(pidfile, loop, onTrouble, PIDFILE_EVERY);
  }

  /** With another re-read interval: a test of inotify alone sets it far beyond its wait. */
  MasterWatch(
      Path pidfile, ScheduledExecutorService loop, Runnable onTrouble, Duration pidfileEvery) {
    this.pidfile = pidfile;
    this.loop = loop;
    this.onTrouble = onTrouble;
    this.looksPerPidfileRead = Math.max(1, pidfileEvery.toNanos() / EVERY.toNanos());
  }

  /** Starts watching. Scheduler thread. */
  public void start() {
    schedule =
        Optional.of(
            loop.scheduleWithFixedDelay(this::tick, 0, EVERY.toNanos(), TimeUnit.NANOSECONDS));
  }

  void tick() {
    ticks++;
    if (stat.isEmpty() || ticks % looksPerPidfileRead == 0) {
      readPidfile();
    }
    look();
  }

  /** inotify says the pidfile changed: read it and look now. Scheduler thread. */
  private void pidfileChanged() {
    if (schedule.isEmpty() || schedule.get().isCancelled()) {
      return; // closed while the event was on its way
    }
    readPidfile();
    look();
  }

  private void readPidfile() {
    if (pidfileWatch.isEmpty() || !pidfileWatch.get().valid()) {
      // Its directory may have come back (e.g. a RuntimeDirectory= made again at start).
      pidfileWatch.ifPresent(FileWatch::close);
      pidfileWatch = FileWatch.start(pidfile, loop, this::pidfileChanged);
    }
    follow(PidFile.pid(pidfile));
  }

  private void look() {
    if (stat.isEmpty()) {
      return;
    }
    char state = stat.get().state();
    boolean trouble = state == StatFile.GONE || state == 'Z' || state == 'X' || state == 'T';
    if (trouble && state != lastState) {
      onTrouble.run();
    }
    lastState = state;
    if (state == StatFile.GONE || state == 'Z' || state == 'X') {
      forget(); // a restart will name a new master in the pidfile
    }
  }

  /** Whether a live master is watched now. Scheduler thread. */
  boolean watching() {
    return stat.isPresent();
  }

  /** Watches the master the pidfile names now, if it is another than the one watched. */
  private void follow(OptionalInt pid) {
    if (pid.isEmpty()) {
      if (stat.isPresent()) {
        onTrouble.run(); // the pidfile went away under a watched master: nginx stopped
        forget();
      }
      return;
    }
    if (stat.isPresent() && pid.getAsInt() == watchedPid) {
      return;
    }
    forget();
    stat = StatFile.open(PROC, pid.getAsInt());
    watchedPid = pid.getAsInt();
    lastState = stat.isPresent() ? stat.get().state() : StatFile.GONE;
  }

  private void forget() {
    stat.ifPresent(StatFile::close);
    stat = Optional.empty();
    watchedPid = 0;
  }

  /** Stops watching. Scheduler thread, or after it stopped. */
  @Override
  public void close() {
    schedule.ifPresent(s -> s.cancel(false));
    pidfileWatch.ifPresent(FileWatch::close);
    pidfileWatch = Optional.empty();
    forget();
  }
}
