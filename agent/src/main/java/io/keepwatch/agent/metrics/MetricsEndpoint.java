package io.keepwatch.agent.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

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
    this(stubStatusProbe, System::nanoTime);
  }

  MetricsEndpoint(Optional<String> stubStatusProbe, LongSupplier nanoTime) {
    nginx = new NginxStubStatusFamilies(stubStatusProbe);
    this.nanoTime = nanoTime;
    new ProcessMeters(Path.of("/proc/self")).bindTo(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  public NginxStubStatusFamilies nginx() {
    return nginx;
  }

  /**
   * A rendering serves every scrape for this long; the first scrape after it renders afresh.
   * Rendering reads every meter (/proc/self for the process ones) and costs about 0.5 ms of CPU and
   * a few hundred KiB of garbage, so a flood of scrapes costs one rendering a second, while
   * Prometheus's one scrape every 15 s gets values of that moment. Probe results change no faster.
   * Rendering happens on the thread that serves the scrape: the documents loop, never the one that
   * answers keepalived's /check (see EndpointHandler's slow lane).
   */
  static final Duration RENDER_INTERVAL = Duration.ofSeconds(1);

  // Rendered once and served many times; never compared, so array identity is fine here.
  @SuppressWarnings("ArrayRecordComponent")
  private record Rendered(byte[] text, long atNanos) {}

  private final LongSupplier nanoTime;
  private volatile Optional<Rendered> last = Optional.empty();

  /**
   * The exposition: the last rendering if it is younger than {@link #RENDER_INTERVAL}, else new.
   */
  public byte[] scrape() {
    long now = nanoTime.getAsLong();
    Optional<Rendered> rendered = last;
    if (rendered.isPresent() && now - rendered.get().atNanos() < RENDER_INTERVAL.toNanos()) {
      return rendered.get().text();
    }
    Rendered fresh = render(now);
    last = Optional.of(fresh);
    return fresh.text();
  }

  private Rendered render(long now) {
    StringBuilder out = new StringBuilder(16 * 1024);
    nginx.writeTo(out);
    out.append(registry.scrape());
    return new Rendered(out.toString().getBytes(StandardCharsets.UTF_8), now);
  }

  @Override
  public void close() {
    registry.close();
  }
}
