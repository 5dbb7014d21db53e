package io.keepwatch.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Await;
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
    // Expected within two render intervals (2 s); bounded at 5 s.
    Await.until(
        java.time.Duration.ofSeconds(5),
        "the new value in the exposition",
        this::scraped,
        text -> text.contains("\ntest_events_total 7.0\n"));
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
