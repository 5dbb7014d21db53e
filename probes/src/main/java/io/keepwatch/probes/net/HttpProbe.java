package io.keepwatch.probes.net;

import io.keepwatch.probes.Printable;
import io.keepwatch.probes.Probe;
import io.keepwatch.probes.ProbeResult;
import io.keepwatch.probes.ProbeResult.Outcome;
import java.net.URI;
import java.net.URISyntaxException;
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
    if (redirectsToItself(url, reply)) {
      // Not followed, so a 3xx is in 200-399; but one that sends clients back to the same URL is a
      // loop they never leave, not an answer (issue 14).
      return ProbeResult.failed(
          Outcome.BAD_RESPONSE,
          "GET "
              + url
              + ": HTTP "
              + reply.status()
              + " redirects to itself (Location: "
              + Printable.quoted(reply.location(), 200)
              + "): a redirect loop");
    }
    if (!expectBody.isEmpty() && !reply.body().contains(expectBody)) {
      return ProbeResult.failed(
          Outcome.BAD_RESPONSE,
          "GET " + url + ": HTTP " + reply.status() + " but the body lacks '" + expectBody + "'");
    }
    return ProbeResult.ok("HTTP " + reply.status());
  }

  /** A 3xx whose Location, resolved against the URL, is the URL itself. */
  static boolean redirectsToItself(String url, HttpFetch.Reply reply) {
    if (reply.status() < 300 || reply.status() > 399 || reply.location().isEmpty()) {
      return false;
    }
    try {
      URI asked = new URI(url).normalize();
      URI target = asked.resolve(new URI(reply.location())).normalize();
      return new URI(
              target.getScheme(), target.getAuthority(), target.getPath(), target.getQuery(), null)
          .equals(
              new URI(
                  asked.getScheme(),
                  asked.getAuthority(),
                  asked.getPath(),
                  asked.getQuery(),
                  null));
    } catch (URISyntaxException e) {
      return false; // not a location we can compare: judged by its status alone
    }
  }
}
