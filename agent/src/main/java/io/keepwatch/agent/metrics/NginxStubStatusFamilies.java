package io.keepwatch.agent.metrics;

import io.keepwatch.agent.verdict.Judge;
import io.keepwatch.agent.verdict.ProbeStatus;
import io.keepwatch.probes.stubstatus.StubStatus;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The nginx_* metric families, written exactly as nginx-prometheus-exporter writes them (names,
 * HELP, TYPE, no labels), so dashboards built on the exporter keep working. Written by hand rather
 * than through Micrometer: two of the exporter's counters have no {@code _total} suffix, which a
 * Prometheus client library would add.
 *
 * <p>Fed by the stub-status probe's results, which carry the page, on the scheduler thread; a
 * scrape reads the last page and never fetches one. Like the exporter, only {@code nginx_up 0} is
 * written when the last fetch failed.
 */
public final class NginxStubStatusFamilies implements Judge.Listener {

  /** The last page and whether the last fetch succeeded. */
  private record Last(boolean up, Optional<StubStatus> page) {}

  private final Optional<String> feedingProbe;
  private final AtomicReference<Last> last =
      new AtomicReference<>(new Last(false, Optional.empty()));

  /**
   * @param feedingProbe the stub-status probe whose pages these are (the first configured); empty
   *     when there is none, and then only {@code nginx_up 0} is written
   */
  public NginxStubStatusFamilies(Optional<String> feedingProbe) {
    this.feedingProbe = feedingProbe;
  }

  /** Whether pages of this probe feed the families. */
  public boolean fedBy(String probeName) {
    return feedingProbe.filter(probeName::equals).isPresent();
  }

  @Override
  public void resultRecorded(ProbeStatus before, ProbeStatus after) {
    if (!fedBy(after.spec().name()) || after.last().isEmpty()) {
      return;
    }
    Optional<StubStatus> page = after.last().get().page();
    if (page.isPresent()) {
      last.set(new Last(true, page));
    } else {
      // refused, timeout, not 200, malformed: nginx_up 0, and the last page is kept
      last.set(new Last(false, last.get().page()));
    }
  }

  /** Appends the families in the text exposition format 0.0.4. */
  public void writeTo(StringBuilder out) {
    Last now = last.get();
    if (now.up() && now.page().isPresent()) {
      StubStatus s = now.page().get();
      family(
          out,
          "nginx_connections_accepted",
          "Accepted client connections",
          "counter",
          s.accepted());
      family(out, "nginx_connections_active", "Active client connections", "gauge", s.active());
      family(
          out, "nginx_connections_handled", "Handled client connections", "counter", s.handled());
      family(
          out,
          "nginx_connections_reading",
          "Connections where NGINX is reading the request header",
          "gauge",
          s.reading());
      family(out, "nginx_connections_waiting", "Idle client connections", "gauge", s.waiting());
      family(
          out,
          "nginx_connections_writing",
          "Connections where NGINX is writing the response back to the client",
          "gauge",
          s.writing());
      family(out, "nginx_http_requests_total", "Total http requests", "counter", s.requests());
    }
    family(out, "nginx_up", "Status of the last metric scrape", "gauge", now.up() ? 1 : 0);
  }

  private static void family(StringBuilder out, String name, String help, String type, long value) {
    out.append("# HELP ")
        .append(name)
        .append(' ')
        .append(help)
        .append('\n')
        .append("# TYPE ")
        .append(name)
        .append(' ')
        .append(type)
        .append('\n')
        .append(name)
        .append(' ')
        .append(value)
        .append('\n');
  }
}
