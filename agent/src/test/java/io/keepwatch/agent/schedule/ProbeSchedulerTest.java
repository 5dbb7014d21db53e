package io.keepwatch.agent.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.probes.Probe;
import io.keepwatch.probes.ProbeResult;
import io.keepwatch.probes.TimeBoundProbe;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProbeSchedulerTest {

  private final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  private static Probe probe(Supplier<CompletableFuture<ProbeResult>> check) {
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
  void aHungProbeNeverDelaysAnother() throws Exception {
    List<String> delivered = new CopyOnWriteArrayList<>();
    CountDownLatch hungTimedOut = new CountDownLatch(1);
    Probe hung = probe(CompletableFuture::new); // never completes by itself
    Probe fast = probe(() -> CompletableFuture.completedFuture(ProbeResult.ok("fine")));
    ProbeScheduler scheduler =
        new ProbeScheduler(
            List.of(
                new ProbeScheduler.Scheduled(
                    "hung",
                    new TimeBoundProbe(hung, Duration.ofSeconds(2), executor),
                    Duration.ofMillis(50),
                    0),
                new ProbeScheduler.Scheduled(
                    "fast",
                    new TimeBoundProbe(fast, Duration.ofSeconds(1), executor),
                    Duration.ofMillis(20),
                    0)),
            executor,
            (name, result) -> {
              delivered.add(name + ":" + result.outcome());
              if (name.equals("hung")) {
                hungTimedOut.countDown();
              }
            });
    scheduler.start();
    assertTrue(
        hungTimedOut.await(10, TimeUnit.SECONDS), "the hung probe's run ends at its timeout");
    scheduler.close();
    int hungAt = delivered.indexOf("hung:TIMEOUT");
    long fastBefore =
        delivered.subList(0, hungAt).stream().filter(s -> s.equals("fast:OK")).count();
    // 2 s of a 20 ms interval is ~100 runs; a handful proves the schedules are independent.
    assertTrue(fastBefore >= 5, "fast results before the hung probe timed out: " + fastBefore);
  }

  @Test
  void runsOfOneProbeNeverOverlap() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch tenRuns = new CountDownLatch(10);
    ScheduledThreadPoolExecutor slowWorld = new ScheduledThreadPoolExecutor(2);
    try {
      // Each run takes 30 ms, three times the interval.
      Probe slow =
          probe(
              () -> {
                maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                CompletableFuture<ProbeResult> f = new CompletableFuture<>();
                var unused =
                    slowWorld.schedule(
                        () -> {
                          inFlight.decrementAndGet();
                          f.complete(ProbeResult.ok("slow"));
                        },
                        30,
                        TimeUnit.MILLISECONDS);
                return f;
              });
      ProbeScheduler scheduler =
          new ProbeScheduler(
              List.of(
                  new ProbeScheduler.Scheduled(
                      "slow",
                      new TimeBoundProbe(slow, Duration.ofSeconds(1), executor),
                      Duration.ofMillis(10),
                      0)),
              executor,
              (name, result) -> {
                runs.incrementAndGet();
                tenRuns.countDown();
              });
      scheduler.start();
      assertTrue(tenRuns.await(10, TimeUnit.SECONDS));
      scheduler.close();
      assertEquals(1, maxInFlight.get());
    } finally {
      slowWorld.shutdownNow();
    }
  }

  @Test
  void aFailingConsumerDoesNotStopTheSchedule() throws Exception {
    CountDownLatch threeRuns = new CountDownLatch(3);
    Probe ok = probe(() -> CompletableFuture.completedFuture(ProbeResult.ok("fine")));
    ProbeScheduler scheduler =
        new ProbeScheduler(
            List.of(
                new ProbeScheduler.Scheduled(
                    "p",
                    new TimeBoundProbe(ok, Duration.ofSeconds(1), executor),
                    Duration.ofMillis(5),
                    0)),
            executor,
            (name, result) -> {
              threeRuns.countDown();
              throw new IllegalStateException("consumer bug");
            });
    scheduler.start();
    assertTrue(threeRuns.await(10, TimeUnit.SECONDS));
    scheduler.close();
  }

  @Test
  void theFirstRunsNeededForAVerdictComeQuicklyThenTheIntervalApplies() throws Exception {
    List<Long> runAt = new CopyOnWriteArrayList<>();
    CountDownLatch threeRuns = new CountDownLatch(3);
    Probe ok = probe(() -> CompletableFuture.completedFuture(ProbeResult.ok("fine")));
    ProbeScheduler scheduler =
        new ProbeScheduler(
            List.of(
                new ProbeScheduler.Scheduled(
                    "slow",
                    new TimeBoundProbe(ok, Duration.ofSeconds(1), executor),
                    Duration.ofHours(1),
                    3)),
            executor,
            (name, result) -> {
              runAt.add(System.nanoTime());
              threeRuns.countDown();
            });
    scheduler.start();
    // With a 1 h interval, three runs within 10 s can only be the quick start.
    assertTrue(threeRuns.await(10, TimeUnit.SECONDS), "runs so far: " + runAt.size());
    Thread.sleep(ProbeScheduler.QUICK_START_INTERVAL.toMillis() * 3);
    scheduler.close();
    assertEquals(3, runAt.size(), "after the quick start, the 1 h interval applies");
  }

  /** A probe with a 10 s interval runs again at once when expedited, and quickly until it falls. */
  @Test
  void anExpeditedProbeRunsAtOnceAndThenQuickly() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    Probe counted =
        probe(
            () -> {
              runs.incrementAndGet();
              return CompletableFuture.completedFuture(ProbeResult.ok("fine"));
            });
    ProbeScheduler scheduler =
        new ProbeScheduler(
            List.of(
                new ProbeScheduler.Scheduled(
                    "slow",
                    new TimeBoundProbe(counted, Duration.ofSeconds(1), executor),
                    Duration.ofSeconds(10),
                    2)),
            executor,
            (name, result) -> {});
    try {
      scheduler.start();
      io.keepwatch.agent.Await.until(
          Duration.ofSeconds(5), "the quick start's 2 runs", runs::get, n -> n == 2);
      executor.submit(() -> scheduler.expedite("slow")).get(5, TimeUnit.SECONDS);
      // Its fall (here 2) quick runs after the one at once; a 10 s interval would allow one.
      io.keepwatch.agent.Await.until(
          Duration.ofSeconds(5), "3 more runs, not one in 10 s", runs::get, n -> n >= 5);
    } finally {
      scheduler.close();
    }
  }
}
