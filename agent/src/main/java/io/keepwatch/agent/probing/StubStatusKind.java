package io.keepwatch.agent.probing;

import io.keepwatch.agent.config.ConfigError;
import io.keepwatch.agent.config.Fields;
import io.keepwatch.agent.config.ProbeSpec;
import io.keepwatch.probes.Probe;
import io.keepwatch.probes.net.HttpTarget;
import io.keepwatch.probes.stubstatus.StubStatusProbe;

/**
 * {@code kind = stub-status}: nginx's stub_status page answers 200 and parses. The first such probe
 * feeds the exporter-compatible nginx_* metrics.
 */
public final class StubStatusKind implements ProbeKind {

  /**
   * A stub-status probe's target.
   *
   * @param http where to GET the stub_status page
   * @param tlsVerify whether https checks the certificate
   */
  public record Target(HttpTarget http, boolean tlsVerify) implements ProbeSpec.Target {
    @Override
    public String kind() {
      return "stub-status";
    }

    @Override
    public java.util.OptionalInt port() {
      return java.util.OptionalInt.of(http().address().getPort());
    }

    @Override
    public boolean feedsNginxMetrics() {
      return true;
    }
  }

  @Override
  public String name() {
    return "stub-status";
  }

  @Override
  public ProbeSpec.Target readTarget(Fields f) throws ConfigError {
    return new Target(HttpKind.url(f), f.bool("tls-verify"));
  }

  @Override
  public Probe build(ProbeSpec spec, ProbeContext context) {
    Target t = (Target) spec.target();
    return new StubStatusProbe(HttpKind.fetch(t.http(), t.tlsVerify(), spec, context));
  }
}
