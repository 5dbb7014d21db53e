package io.keepwatch.probes.stubstatus;

import io.keepwatch.probes.Probe;
import io.keepwatch.probes.ProbeResult;
import io.keepwatch.probes.ProbeResult.Outcome;
import io.keepwatch.probes.net.HttpFetch;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Healthy when the stub_status URL answers 200 with a body that parses. Each parsed page is also
 * handed to a listener (the nginx_* metrics), so the page is fetched once for both uses.
 */
public final class StubStatusProbe implements Probe {

  private final HttpFetch fetch;
  private final Consumer<StubStatus> listener;

  /**
   * @param fetch the configured GET of the stub_status location
   * @param listener receives every page that parsed; runs on the event loop, must not block
   */
  public StubStatusProbe(HttpFetch fetch, Consumer<StubStatus> listener) {
    this.fetch = Objects.requireNonNull(fetch, "fetch");
    this.listener = Objects.requireNonNull(listener, "listener");
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
    listener.accept(status);
    return ProbeResult.ok("active " + status.active() + ", requests " + status.requests());
  }
}
