package io.keepwatch.agent.schedule;

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
 * runs: every {@link #EVERY}, one read of its /proc/PID/stat through a file kept open (one system
 * call, nothing allocated). When the master exits or stops, the process probe is expedited (run at
 * once, then quickly until it falls), so a dead nginx is known, and restarted, within tens of
 * milliseconds instead of a probe interval and a fall.
 *
 * <p>It judges nothing itself: the probe does, with everything it checks. Threads: the scheduler's
 * only (it runs there, and expediting a probe is a scheduler-thread call).
 */
public final class MasterWatch implements AutoCloseable {

  /** How often the master is looked at. */
  static final Duration EVERY = Duration.ofMillis(25);

  /** How often the pidfile is read again while a master is watched (a restart names a new one). */
  static final Duration PIDFILE_EVERY = Duration.ofSeconds(1);

  private static final Path PROC = Path.of("/proc");

  private final Path pidfile;
  private final ScheduledExecutorService loop;
  private final Runnable onTrouble;
  private Optional<StatFile> stat = Optional.empty();
  private int watchedPid;
  private char lastState = StatFile.GONE;
  private long ticks;
  private Optional<ScheduledFuture<?>> schedule = Optional.empty();

  /**
   * @param loop the scheduler thread
   * @param onTrouble what to do when the master exits or stops: expedite the process probe
   */
  public MasterWatch(Path pidfile, ScheduledExecutorService loop, Runnable onTrouble) {
    this.pidfile = pidfile;
    this.loop = loop;
    this.onTrouble = onTrouble;
  }

  /** Starts watching. Scheduler thread. */
  public void start() {
    schedule =
        Optional.of(
            loop.scheduleWithFixedDelay(this::tick, 0, EVERY.toNanos(), TimeUnit.NANOSECONDS));
  }

  void tick() {
    ticks++;
    boolean lookAtPidfile =
        stat.isEmpty() || ticks % (PIDFILE_EVERY.toNanos() / EVERY.toNanos()) == 0;
    if (lookAtPidfile) {
      follow(PidFile.pid(pidfile));
    }
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
    forget();
  }
}
