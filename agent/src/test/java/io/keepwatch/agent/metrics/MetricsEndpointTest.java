package io.keepwatch.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {

  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final MetricsEndpoint metrics = new MetricsEndpoint(Optional.empty(), nanos::get);
  private final Counter counter = Counter.builder("test.events").register(metrics.registry());

  @AfterEach
  void stop() {
    metrics.close();
  }

  private String scraped() {
    return new String(metrics.scrape(), StandardCharsets.UTF_8);
  }

  @Test
  void theFirstScrapeRendersTheValuesOfThatMoment() {
    counter.increment(3);
    assertTrue(scraped().contains("\ntest_events_total 3.0\n"));
  }

  @Test
  void scrapesWithinAnIntervalShareOneRenderingAndTheNextOneRendersAfresh() {
    counter.increment(3);
    assertTrue(scraped().contains("\ntest_events_total 3.0\n"));
    counter.increment();
    nanos.addAndGet(MetricsEndpoint.RENDER_INTERVAL.toNanos() - 1);
    assertTrue(scraped().contains("\ntest_events_total 3.0\n"), "served from the rendering");
    nanos.addAndGet(1);
    assertTrue(scraped().contains("\ntest_events_total 4.0\n"), "rendered afresh");
  }
}
