package io.keepwatch.agent.probing;

import io.keepwatch.agent.config.ConfigError;
import io.keepwatch.agent.config.Fields;
import io.keepwatch.agent.config.ProbeSpec;
import io.keepwatch.probes.Probe;
import io.keepwatch.probes.net.HttpFetch;
import io.keepwatch.probes.net.HttpProbe;
import io.keepwatch.probes.net.HttpTarget;
import io.keepwatch.probes.net.StatusRange;

/** {@code kind = http}: a GET of the URL answers in time with an expected status (and body). */
public final class HttpKind implements ProbeKind {

  /** Bodies beyond this fail the probe: a health page, or a stub_status page, is small. */
  static final int MAX_BODY_BYTES = 1 << 20;

  /**
   * An http probe's target and expectations.
   *
   * @param http where to GET
   * @param expectStatus accepted statuses
   * @param expectBody text the body must hold, "" for any
   * @param tlsVerify whether https checks the certificate
   */
  public record Target(
      HttpTarget http, StatusRange expectStatus, String expectBody, boolean tlsVerify)
      implements ProbeSpec.Target {
    @Override
    public String kind() {
      return "http";
    }

    @Override
    public java.util.OptionalInt port() {
      return java.util.OptionalInt.of(http().address().getPort());
    }
  }

  @Override
  public String name() {
    return "http";
  }

  @Override
  public ProbeSpec.Target readTarget(Fields f) throws ConfigError {
    return new Target(
        url(f),
        f.parsed("expect-status", StatusRange::parse),
        f.string("expect-body"),
        f.bool("tls-verify"));
  }

  @Override
  public Probe build(ProbeSpec spec, ProbeContext context) {
    Target t = (Target) spec.target();
    return new HttpProbe(
        fetch(t.http(), t.tlsVerify(), spec, context), t.expectStatus(), t.expectBody());
  }

  /** The {@code url} and {@code host-header} settings: shared with stub-status. */
  static HttpTarget url(Fields f) throws ConfigError {
    String hostHeader = f.string("host-header");
    return f.parsed("url", url -> HttpTarget.parse(url, hostHeader));
  }

  /** A GET under the probe's timeout, on the shared network loop: shared with stub-status. */
  static HttpFetch fetch(
      HttpTarget target, boolean tlsVerify, ProbeSpec spec, ProbeContext context) {
    return new HttpFetch(context.networkLoop(), target, spec.timeout(), MAX_BODY_BYTES, tlsVerify);
  }
}
