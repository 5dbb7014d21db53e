package io.keepwatch.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.verdict.Judge;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConfigFingerprintTest {

  private final MetricsEndpoint metrics = new MetricsEndpoint(Optional.empty());
  private final KeepwatchMeters meters =
      new KeepwatchMeters(
          metrics.registry(), List.of(), new Judge(List.of(), Clock.systemUTC())::snapshot, "t");

  private String scraped() {
    return new String(metrics.scrape(), java.nio.charset.StandardCharsets.UTF_8);
  }

  @AfterEach
  void close() {
    metrics.close();
  }

  @Test
  void theFingerprintIsTheStartOfTheOutputsSha256() {
    // printf 'a\n' | sha256sum = 87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7
    ConfigFingerprint fingerprint =
        new ConfigFingerprint(List.of("printf", "a\\n"), Duration.ofSeconds(5), meters);
    fingerprint.refresh();
    assertEquals("87428fc522803d31", fingerprint.current());
    assertTrue(
        scraped()
            .contains("\nkeepwatch_nginx_config_info{fingerprint=\"87428fc522803d31\",} 1.0\n"),
        scraped());
  }

  @Test
  void aFailingDumpIsUnreadableAndReplacesTheOldSeries(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path config = dir.resolve("nginx.conf");
    java.nio.file.Files.writeString(config, "a\n");
    ConfigFingerprint fingerprint =
        new ConfigFingerprint(List.of("cat", config.toString()), Duration.ofSeconds(5), meters);
    fingerprint.refresh();
    assertEquals("87428fc522803d31", fingerprint.current());
    java.nio.file.Files.delete(config); // now the dump command fails
    fingerprint.refresh();
    String scraped = scraped();
    assertTrue(
        scraped.contains("keepwatch_nginx_config_info{fingerprint=\"unreadable\",} 1.0"), scraped);
    assertTrue(!scraped.contains("87428fc522803d31"), "one series at a time: " + scraped);
  }
}
