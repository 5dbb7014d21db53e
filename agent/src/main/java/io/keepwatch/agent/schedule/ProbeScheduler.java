package io.keepwatch.agent.schedule;

import io.keepwatch.probes.ProbeResult;
import io.keepwatch.probes.TimeBoundProbe;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs every probe on its own interval. Each probe's runs never overlap: the next run starts {@code
 * interval} after the previous one started, or at once if that run took longer. A slow or hung
 * probe therefore delays only itself; the timeout in {@link TimeBoundProbe} bounds it.
 *
 * <p>Results are delivered on the scheduler thread, so whatever consumes them (the verdict) runs
 * single-threaded without locks.
 */
public final class ProbeScheduler implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(ProbeScheduler.class.getName());

  /** Receives each probe's results, on the scheduler thread. */
  public interface ResultSink {
    void accept(String probeName, ProbeResult result);
  }

  /**
   * At start, a probe's first runs (as many as its first verdict needs) come at most this far
   * apart, so the node has a verdict within about a second even with 1 s http probes.
   */
  static final Duration QUICK_START_INTERVAL = Duration.ofMillis(50);

  /**
   * One probe and its schedule.
   *
   * @param name the probe's name
   * @param probe the probe with its timeout
   * @param interval from the start of one run to the start of the next
   * @param quickStartRuns how many first runs use {@link #QUICK_START_INTERVAL} if shorter:
   *     max(rise, fall), the runs a first verdict needs
   */
  public record Scheduled(
      String name, TimeBoundProbe probe, Duration interval, int quickStartRuns) {}

  private final List<Scheduled> probes;
  private final ScheduledExecutorService executor;
  private final ResultSink sink;
  private final LongSupplier nanoTime;
  private final AtomicLong lastResultNanos;
  private volatile boolean running;

  /** Each probe's place in its schedule: the scheduler thread only. */
  private final Map<String, Schedule> schedules = new HashMap<>();

  private static final class Schedule {
    final Scheduled probe;

    /** A run is under way: never two at once. */
    boolean inFlight;

    /** How many of the coming runs come after QUICK_START_INTERVAL instead of the interval. */
    int quickRunsLeft;

    /** Asked for a run now while one was under way: the next comes as soon as it ends. */
    boolean soonAfter;

    /** The next run, while waiting for it. */
    Optional<ScheduledFuture<?>> next = Optional.empty();

    Schedule(Scheduled probe) {
      this.probe = probe;
      this.quickRunsLeft = probe.quickStartRuns() - 1;
    }
  }

  public ProbeScheduler(
      List<Scheduled> probes, ScheduledExecutorService executor, ResultSink sink) {
    this(probes, executor, sink, System::nanoTime);
  }

  ProbeScheduler(
      List<Scheduled> probes,
      ScheduledExecutorService executor,
      ResultSink sink,
      LongSupplier nanoTime) {
    this.probes = List.copyOf(probes);
    this.executor = Objects.requireNonNull(executor, "executor");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.nanoTime = nanoTime;
    this.lastResultNanos = new AtomicLong(nanoTime.getAsLong());
    for (Scheduled probe : this.probes) {
      schedules.put(probe.name(), new Schedule(probe));
    }
  }

  /** Starts every probe at once; the first results arrive within their timeouts. */
  public void start() {
    running = true;
    executor.execute(() -> schedules.values().forEach(this::runNow));
  }

  /**
   * Something suggests this probe would fail now (its nginx master died or stopped): it runs at
   * once, and its next runs, as many as its fall, come after QUICK_START_INTERVAL, so its verdict
   * does not wait for its interval. Scheduler thread only.
   */
  public void expedite(String probeName) {
    Schedule schedule = schedules.get(probeName);
    if (schedule == null || !running) {
      return;
    }
    schedule.quickRunsLeft = Math.max(schedule.quickRunsLeft, schedule.probe.quickStartRuns());
    if (schedule.inFlight) {
      schedule.soonAfter = true;
    } else {
      runNow(schedule);
    }
  }

  /**
   * nginx was restarted: every probe's next runs come after QUICK_START_INTERVAL until they could
   * have risen, as at start, so the restart is judged in tens of milliseconds rather than in
   * intervals. Scheduler thread only.
   */
  public void quickenAll() {
    for (Schedule schedule : schedules.values()) {
      schedule.quickRunsLeft = Math.max(schedule.quickRunsLeft, schedule.probe.quickStartRuns());
      if (!schedule.inFlight && running) {
        schedule.next.ifPresent(next -> next.cancel(false));
        schedule.next =
            Optional.of(
                executor.schedule(
                    () -> runNow(schedule), QUICK_START_INTERVAL.toNanos(), TimeUnit.NANOSECONDS));
      }
    }
  }

  /**
   * Monotonic time of the last delivered result. A scheduler that has stopped delivering is stuck;
   * the systemd watchdog keys off this.
   */
  public long lastResultNanos() {
    return lastResultNanos.get();
  }

  private void runNow(Schedule schedule) {
    if (!running) {
      return;
    }
    schedule.next.ifPresent(next -> next.cancel(false));
    schedule.next = Optional.empty();
    schedule.inFlight = true;
    Scheduled probe = schedule.probe;
    long started = nanoTime.getAsLong();
    var unused =
        probe
            .probe()
            .check()
            .whenCompleteAsync(
                (result, neverThrown) -> {
                  schedule.inFlight = false;
                  if (!running) {
                    return;
                  }
                  try {
                    sink.accept(probe.name(), result);
                  } catch (RuntimeException e) {
                    // A bug in a consumer must not stop this probe's schedule; say it loudly
                    // instead.
                    LOG.log(
                        Level.SEVERE, "recording a result of probe " + probe.name() + " failed", e);
                  } finally {
                    long now = nanoTime.getAsLong();
                    lastResultNanos.set(now);
                    scheduleNext(schedule, started, now);
                  }
                },
                executor);
  }

  private void scheduleNext(Schedule schedule, long started, long now) {
    if (schedule.next.isPresent() || !running) {
      return; // quickenAll already placed the next run
    }
    Duration interval = schedule.probe.interval();
    if (schedule.quickRunsLeft > 0 && QUICK_START_INTERVAL.compareTo(interval) < 0) {
      interval = QUICK_START_INTERVAL;
    }
    schedule.quickRunsLeft = Math.max(0, schedule.quickRunsLeft - 1);
    long wait = schedule.soonAfter ? 0 : Math.max(0, interval.toNanos() - (now - started));
    schedule.soonAfter = false;
    schedule.next =
        Optional.of(executor.schedule(() -> runNow(schedule), wait, TimeUnit.NANOSECONDS));
  }

  @Override
  public void close() {
    running = false;
  }
}
