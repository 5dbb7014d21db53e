package io.keepwatch.agent;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** GET from an agent's loopback listener; one client for every test (each has a thread). */
public final class LoopbackHttp {

  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  private LoopbackHttp() {}

  /** The body of {@code GET http://127.0.0.1:PORT/PATH}, within 5 s. */
  public static String body(int port, String path) throws IOException, InterruptedException {
    return CLIENT
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
