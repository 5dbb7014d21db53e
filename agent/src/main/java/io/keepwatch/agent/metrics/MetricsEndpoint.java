package io.keepwatch.agent.metrics;

import io.keepwatch.agent.schedule.Periodic;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The one class that knows the registry: keepwatch's meters and the process and heap meters in a
 * Micrometer registry, plus the exporter-compatible nginx_* families, rendered as the Prometheus
 * text format for GET /metrics. A scrape reads values; it never probes nginx.
 *
 * <p>Micrometer's simpleclient registry is deprecated since 1.13 (the main one moved to the
 * Prometheus client 1.x); it is confined to this class so that moving off it touches one file.
 */
@SuppressWarnings("deprecation")
public final class MetricsEndpoint implements AutoCloseable {

  /** The content type of the text exposition format that both halves are written in. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final NginxStubStatusFamilies nginx;

  /**
   * @param stubStatusProbe the probe whose pages feed the nginx_* families, if any
   */
  public MetricsEndpoint(Optional<String> stubStatusProbe) {
    nginx = new NginxStubStatusFamilies(stubStatusProbe);
    new ProcessMeters(Path.of("/proc/self")).bindTo(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  public NginxStubStatusFamilies nginx() {
    return nginx;
  }

  /**
   * How often the exposition is rendered while someone scrapes. Rendering reads every JVM and
   * process meter (MXBeans, /proc) and costs about 0.5 ms; doing it off the endpoint's event loop
   * keeps /check answers from ever waiting behind a scrape. Probe results change no faster.
   */
  static final Duration RENDER_INTERVAL = Duration.ofSeconds(1);

  /** Rendering stops after this long without a scrape; the next scrape renders afresh. */
  static final Duration IDLE_AFTER = Duration.ofMinutes(2);

  // Rendered once and served many times; never compared, so array identity is fine here.
  @SuppressWarnings("ArrayRecordComponent")
  private record Rendered(byte[] text, long atNanos) {}

  private volatile Rendered last;
  private volatile long lastScrapeNanos = System.nanoTime();
  private volatile boolean renderingInBackground;

  /** Renders now and then every {@link #RENDER_INTERVAL} while scrapes keep coming. */
  public void startRendering(ScheduledExecutorService executor) {
    last = render();
    renderingInBackground = true;
    Periodic.withFixedDelay(
        executor,
        "rendering /metrics",
        () -> {
          if (System.nanoTime() - lastScrapeNanos < IDLE_AFTER.toNanos()) {
            last = render();
          }
        },
        RENDER_INTERVAL,
        RENDER_INTERVAL);
  }

  /**
   * The exposition: the background rendering if it is at most two intervals old, else (not started,
   * or the first scrape after an idle spell) rendered now.
   */
  public byte[] scrape() {
    long now = System.nanoTime();
    lastScrapeNanos = now;
    Rendered rendered = last;
    if (renderingInBackground
        && rendered != null
        && now - rendered.atNanos() < 2 * RENDER_INTERVAL.toNanos()) {
      return rendered.text();
    }
    Rendered fresh = render();
    last = fresh;
    return fresh.text();
  }

  private Rendered render() {
    StringBuilder out = new StringBuilder(16 * 1024);
    nginx.writeTo(out);
    out.append(registry.scrape());
    return new Rendered(out.toString().getBytes(StandardCharsets.UTF_8), System.nanoTime());
  }

  @Override
  public void close() {
    registry.close();
  }
}
