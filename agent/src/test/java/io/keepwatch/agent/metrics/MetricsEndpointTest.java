package io.keepwatch.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {

  private final MetricsEndpoint metrics = new MetricsEndpoint(Optional.empty());
  private final ScheduledExecutorService renderer = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    renderer.shutdownNow();
    metrics.close();
  }

  private String scraped() {
    return new String(metrics.scrape(), StandardCharsets.UTF_8);
  }

  @Test
  void backgroundRenderingShowsNewValuesWithinTwoIntervals() throws Exception {
    Counter counter = Counter.builder("test.events").register(metrics.registry());
    metrics.startRendering(renderer);
    counter.increment(7);
    long deadline = System.nanoTime() + 5_000_000_000L; // 5 s bound; expected within 2 s
    while (!scraped().contains("\ntest_events_total 7.0\n")) {
      assertTrue(System.nanoTime() < deadline, "the new value never appeared: " + scraped());
      Thread.sleep(20);
    }
  }

  @Test
  void withoutBackgroundRenderingEveryScrapeIsFresh() {
    Counter counter = Counter.builder("test.events").register(metrics.registry());
    counter.increment(3);
    assertTrue(scraped().contains("\ntest_events_total 3.0\n"));
    counter.increment();
    assertTrue(scraped().contains("\ntest_events_total 4.0\n"));
  }
}
