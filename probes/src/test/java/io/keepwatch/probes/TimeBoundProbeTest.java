package io.keepwatch.probes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TimeBoundProbeTest {

  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  private static Probe probe(java.util.function.Supplier<CompletableFuture<ProbeResult>> check) {
    return new Probe() {
      @Override
      public String kind() {
        return "test";
      }

      @Override
      public CompletableFuture<ProbeResult> check() {
        return check.get();
      }
    };
  }

  @Test
  void aRunThatNeverFinishesTimesOutAndTheProbeSeesIt() throws Exception {
    CompletableFuture<ProbeResult> never = new CompletableFuture<>();
    ProbeResult result =
        new TimeBoundProbe(probe(() -> never), Duration.ofMillis(50), timer)
            .check()
            .get(5, TimeUnit.SECONDS);
    assertEquals(ProbeResult.Outcome.TIMEOUT, result.outcome());
    assertEquals("timeout after 50 ms", result.detail());
    assertTrue(
        never.isDone(), "the probe's own future is completed so it can release its resources");
  }

  /** Out of memory in a probe is the agent's fatal error, for the thread's handler to act on. */
  @Test
  void anOutOfMemoryErrorGoesToTheThreadsHandler() throws Exception {
    java.util.List<Throwable> handed = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread thread = Thread.currentThread();
    Thread.UncaughtExceptionHandler before = thread.getUncaughtExceptionHandler();
    thread.setUncaughtExceptionHandler((t, e) -> handed.add(e));
    try {
      OutOfMemoryError oom = new OutOfMemoryError("Direct buffer memory");
      var unused =
          new TimeBoundProbe(
                  probe(() -> CompletableFuture.failedFuture(oom)), Duration.ofSeconds(1), timer)
              .check()
              .get(5, TimeUnit.SECONDS);
      assertEquals(java.util.List.of(oom), handed);
    } finally {
      thread.setUncaughtExceptionHandler(before);
    }
  }

  @Test
  void aThrowingProbeIsAnErrorResultNotACrash() throws Exception {
    ProbeResult result =
        new TimeBoundProbe(
                probe(
                    () -> {
                      throw new IllegalStateException("bug");
                    }),
                Duration.ofSeconds(1),
                timer)
            .check()
            .get(5, TimeUnit.SECONDS);
    assertEquals(ProbeResult.Outcome.ERROR, result.outcome());
    assertTrue(result.detail().contains("bug"), result.detail());
  }

  @Test
  void anExceptionallyCompletedRunIsAnErrorResult() throws Exception {
    ProbeResult result =
        new TimeBoundProbe(
                probe(() -> CompletableFuture.failedFuture(new RuntimeException("boom"))),
                Duration.ofSeconds(1),
                timer)
            .check()
            .get(5, TimeUnit.SECONDS);
    assertEquals(ProbeResult.Outcome.ERROR, result.outcome());
    assertTrue(result.detail().contains("boom"), result.detail());
  }

  @Test
  void latencyComesFromTheInjectedClock() throws Exception {
    long[] now = {1_000};
    Probe p =
        probe(
            () -> {
              now[0] += 7_000_000;
              return CompletableFuture.completedFuture(ProbeResult.ok("fine"));
            });
    ProbeResult result =
        new TimeBoundProbe(p, Duration.ofSeconds(1), timer, () -> now[0]).check().get();
    assertEquals(Duration.ofMillis(7), result.latency());
  }

  @Test
  void aRunThatEndsInTimeLeavesNoDeadlineWaiting() throws Exception {
    CompletableFuture<ProbeResult> later = new CompletableFuture<>();
    CompletableFuture<ProbeResult> run =
        new TimeBoundProbe(probe(() -> later), Duration.ofHours(1), timer).check();
    assertEquals(1, timer.getQueue().size(), "the deadline waits while the run does");
    later.complete(ProbeResult.ok("fine"));
    assertEquals(ProbeResult.Outcome.OK, run.get(5, TimeUnit.SECONDS).outcome());
    assertTrue(
        timer.getQueue().stream().allMatch(task -> ((Future<?>) task).isCancelled()),
        "the deadline was cancelled: no wake-up an hour from now");
  }
}
