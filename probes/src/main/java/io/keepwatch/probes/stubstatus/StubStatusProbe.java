package io.keepwatch.probes.stubstatus;

import io.keepwatch.probes.Probe;
import io.keepwatch.probes.ProbeResult;
import io.keepwatch.probes.ProbeResult.Outcome;
import io.keepwatch.probes.net.HttpFetch;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Healthy when the stub_status URL answers 200 with a body that parses. A healthy result carries
 * the parsed page ({@link ProbeResult#page()}), so the page is fetched once for the verdict and the
 * nginx_* metrics.
 */
public final class StubStatusProbe implements Probe {

  private final HttpFetch fetch;

  /**
   * A probe of one stub_status location.
   *
   * @param fetch the configured GET of the stub_status location
   */
  public StubStatusProbe(HttpFetch fetch) {
    this.fetch = Objects.requireNonNull(fetch, "fetch");
  }

  @Override
  public String kind() {
    return "stub-status";
  }

  @Override
  public CompletableFuture<ProbeResult> check() {
    return fetch.get(this::judge);
  }

  private ProbeResult judge(HttpFetch.Reply reply) {
    String url = fetch.target().url();
    if (reply.status() != 200) {
      return ProbeResult.failed(
          Outcome.BAD_RESPONSE, "GET " + url + ": HTTP " + reply.status() + ", expected 200");
    }
    StubStatus status;
    try {
      status = StubStatus.parse(reply.body());
    } catch (StubStatusFormatException e) {
      return ProbeResult.failed(
          Outcome.BAD_RESPONSE, "GET " + url + ": malformed stub_status: " + e.getMessage());
    }
    return ProbeResult.page(
        "active " + status.active() + ", requests " + status.requests(), status);
  }
}
