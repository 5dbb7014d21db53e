package io.keepwatch.probes.net;

import io.keepwatch.probes.Probe;
import io.keepwatch.probes.ProbeResult;
import io.keepwatch.probes.ProbeResult.Outcome;
import java.util.concurrent.CompletableFuture;

/**
 * Healthy when a GET of the URL answers with a status in the expected range and, if an expected
 * body text is set, a body containing it. The timeout covers connect, request and response.
 */
public final class HttpProbe implements Probe {

  private final HttpFetch fetch;
  private final StatusRange expectStatus;
  private final String expectBody;

  /**
   * @param fetch the configured GET
   * @param expectStatus statuses that count as healthy
   * @param expectBody text the body must contain; "" to not look at the body
   */
  public HttpProbe(HttpFetch fetch, StatusRange expectStatus, String expectBody) {
    this.fetch = fetch;
    this.expectStatus = expectStatus;
    this.expectBody = expectBody;
  }

  @Override
  public String kind() {
    return "http";
  }

  @Override
  public CompletableFuture<ProbeResult> check() {
    return fetch.get(this::judge);
  }

  private ProbeResult judge(HttpFetch.Reply reply) {
    String url = fetch.target().url();
    if (!expectStatus.contains(reply.status())) {
      return ProbeResult.failed(
          Outcome.BAD_RESPONSE,
          "GET " + url + ": HTTP " + reply.status() + ", expected " + expectStatus);
    }
    if (!expectBody.isEmpty() && !reply.body().contains(expectBody)) {
      return ProbeResult.failed(
          Outcome.BAD_RESPONSE,
          "GET " + url + ": HTTP " + reply.status() + " but the body lacks '" + expectBody + "'");
    }
    return ProbeResult.ok("HTTP " + reply.status());
  }
}
