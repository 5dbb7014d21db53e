package io.keepwatch.agent.schedule;

import io.keepwatch.probes.ProbeResult;
import io.keepwatch.probes.TimeBoundProbe;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
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
  static final Duration QUICK_START_INTERVAL = Duration.ofMillis(200);

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
  }

  /** Starts every probe at once; the first results arrive within their timeouts. */
  public void start() {
    running = true;
    for (Scheduled probe : probes) {
      executor.execute(() -> runOnce(probe, 1));
    }
  }

  /**
   * Monotonic time of the last delivered result. A scheduler that has stopped delivering is stuck;
   * the systemd watchdog keys off this.
   */
  public long lastResultNanos() {
    return lastResultNanos.get();
  }

  private void runOnce(Scheduled probe, int run) {
    if (!running) {
      return;
    }
    long started = nanoTime.getAsLong();
    var unused =
        probe
            .probe()
            .check()
            .whenCompleteAsync(
                (result, neverThrown) -> {
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
                    Duration interval =
                        run < probe.quickStartRuns()
                                && QUICK_START_INTERVAL.compareTo(probe.interval()) < 0
                            ? QUICK_START_INTERVAL
                            : probe.interval();
                    long wait = Math.max(0, interval.toNanos() - (now - started));
                    var unusedNext =
                        executor.schedule(
                            () -> runOnce(probe, run + 1), wait, TimeUnit.NANOSECONDS);
                  }
                },
                executor);
  }

  @Override
  public void close() {
    running = false;
  }
}
