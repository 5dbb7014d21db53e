package io.keepwatch.agent.endpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import io.keepwatch.agent.TestProbes;
import io.keepwatch.agent.verdict.Judge;
import io.keepwatch.probes.ProbeResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The endpoint pipeline driven byte for byte, without sockets. */
class EndpointHandlerTest {

  private final Judge judge = new Judge(List.of(TestProbes.tcp("port")), Clock.systemUTC());
  private final AgentInfo info =
      new AgentInfo("1.2.3", "node-<a>", Instant.parse("2026-11-21T10:00:00Z"));

  private final io.keepwatch.agent.metrics.MetricsEndpoint metrics =
      new io.keepwatch.agent.metrics.MetricsEndpoint(Optional.empty());
  private final io.keepwatch.agent.metrics.KeepwatchMeters meters =
      new io.keepwatch.agent.metrics.KeepwatchMeters(
          metrics.registry(),
          judge.snapshot().probes().stream().map(p -> p.spec()).toList(),
          judge::snapshot,
          "1.2.3");

  private EmbeddedChannel channel() {
    return new EmbeddedChannel(
        new EndpointInitializer(
            new EndpointHandler(
                new EndpointHandler.Sources(
                    judge::snapshot,
                    List::of,
                    EndpointFixture::noKeepalived,
                    info,
                    metrics,
                    meters),
                Optional.empty())));
  }

  @org.junit.jupiter.api.AfterEach
  void closeMetrics() {
    metrics.close();
  }

  @Test
  void metricsAreTheTextFormatAndCountCheckAnswers() {
    judge.addListener(meters);
    up();
    exchange("GET /check HTTP/1.1\r\nHost: x\r\n\r\n");
    exchange("GET /check HTTP/1.1\r\nHost: x\r\n\r\n");
    // Regression: gauges held their state weakly and read NaN once the GC had run.
    System.gc();
    String response = exchange("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    assertTrue(response.startsWith("HTTP/1.1 200 OK"), response);
    assertTrue(
        response.contains("content-type: text/plain; version=0.0.4; charset=utf-8"), response);
    assertTrue(
        response.contains(
            "\nkeepwatch_check_requests_total{answer=\"up\",endpoint=\"check\",} 2.0\n"),
        response);
    assertTrue(response.contains("\nkeepwatch_verdict_state{state=\"UP\",} 1.0\n"), response);
    assertTrue(response.contains("\nkeepwatch_verdict_state{state=\"DOWN\",} 0.0\n"), response);
    assertTrue(
        response.contains(
            "\nkeepwatch_probe_up{critical=\"true\",kind=\"tcp\",probe=\"port\",} 1.0\n"),
        response);
    assertTrue(
        response.contains("\nnginx_up 0\n"), "no stub-status probe: nginx_up 0 and nothing else");
    assertTrue(!response.contains("nginx_connections_active"), response);
    assertTrue(response.contains("\njvm_memory_used_bytes{"), response);
  }

  /** Sends raw request bytes and returns everything written back, as text. */
  private static String exchange(EmbeddedChannel channel, String request) {
    channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
    StringBuilder out = new StringBuilder();
    ByteBuf buf;
    while ((buf = channel.readOutbound()) != null) {
      out.append(buf.toString(StandardCharsets.UTF_8));
      buf.release();
    }
    return out.toString();
  }

  private String exchange(String request) {
    EmbeddedChannel channel = channel();
    try {
      return exchange(channel, request);
    } finally {
      channel.finishAndReleaseAll();
    }
  }

  private void up() {
    judge.record("port", ProbeResult.ok("connected"));
  }

  @Test
  void checkAnswers200UpWhenUp() {
    up();
    String response = exchange("GET /check HTTP/1.1\r\nHost: x\r\n\r\n");
    assertTrue(response.startsWith("HTTP/1.1 200 OK\r\n"), response);
    assertTrue(response.endsWith("\r\n\r\nUP\n"), response);
    assertTrue(response.contains("content-length: 3\r\n"), response);
  }

  @Test
  void checkAnswers503WithStateAndReason() {
    judge.record(
        "port",
        ProbeResult.failed(
            ProbeResult.Outcome.CONNECT_FAILED, "connect to 127.0.0.1:80: Connection refused"));
    String response = exchange("GET /check HTTP/1.1\r\nHost: x\r\n\r\n");
    assertTrue(response.startsWith("HTTP/1.1 503 Service Unavailable\r\n"), response);
    assertTrue(
        response.endsWith("\r\n\r\nDOWN port: connect to 127.0.0.1:80: Connection refused\n"),
        response);
  }

  @Test
  void http10ClientGetsA10AnswerAndTheConnectionCloses() {
    up();
    EmbeddedChannel channel = channel();
    String response = exchange(channel, "GET /check HTTP/1.0\r\n\r\n");
    assertTrue(response.startsWith("HTTP/1.0 200 OK\r\n"), response);
    assertFalse(channel.isOpen(), "HTTP/1.0 without keep-alive closes");
    channel.finishAndReleaseAll();
  }

  @Test
  void http11KeepsTheConnectionForSeveralRequests() {
    up();
    EmbeddedChannel channel = channel();
    for (int i = 0; i < 3; i++) {
      String response = exchange(channel, "GET /check HTTP/1.1\r\nHost: x\r\n\r\n");
      assertTrue(response.startsWith("HTTP/1.1 200 OK"), response);
      assertTrue(channel.isOpen());
    }
    String last = exchange(channel, "GET /check HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertTrue(last.contains("connection: close"), last);
    assertFalse(channel.isOpen());
    channel.finishAndReleaseAll();
  }

  @Test
  void headHasTheHeadersButNoBody() {
    up();
    String response = exchange("HEAD /check HTTP/1.1\r\nHost: x\r\n\r\n");
    assertTrue(response.startsWith("HTTP/1.1 200 OK"), response);
    assertTrue(response.contains("content-length: 3\r\n"), response);
    assertTrue(response.endsWith("\r\n\r\n"), response);
  }

  static Stream<Arguments> refusals() {
    return Stream.of(
        Arguments.of(
            "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n",
            "HTTP/1.1 404 Not Found",
            "no such endpoint: /nope"),
        Arguments.of(
            "POST /check HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 405 Method Not Allowed",
            "POST is not allowed on /check; this endpoint is read-only"),
        Arguments.of(
            "PUT /status HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 405",
            "allow: GET, HEAD"),
        Arguments.of("DELETE / HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 405", "read-only"),
        Arguments.of(
            "POST /reload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 405 Method Not Allowed",
            "POST is not allowed on /reload; state changes are only accepted on the unix control"
                + " socket"),
        Arguments.of(
            "GET /check HTTP/1.1\r\nHost: x\r\nX-Long: " + "a".repeat(10_000) + "\r\n\r\n",
            "HTTP/1.1 400 Bad Request",
            "bad request: HTTP header is larger than 8192 bytes"),
        Arguments.of(
            "GET /" + "a".repeat(5000) + " HTTP/1.1\r\n\r\n",
            "HTTP/1.1 400 Bad Request",
            "bad request: An HTTP line is larger than 4096 bytes"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("refusals")
  void refusesWithAClearAnswer(String request, String statusLine, String bodyPart) {
    String response = exchange(request);
    assertTrue(
        response.startsWith(statusLine), response.substring(0, Math.min(200, response.length())));
    assertTrue(
        response.contains(bodyPart), response.substring(0, Math.min(400, response.length())));
  }

  @Test
  void queryStringsAreIgnoredForRouting() {
    up();
    assertTrue(
        exchange("GET /check?from=keepalived HTTP/1.1\r\nHost: x\r\n\r\n")
            .startsWith("HTTP/1.1 200"));
  }

  @Test
  void statusIsValidJsonWithEveryProbe() {
    judge.record(
        "port", ProbeResult.ok("connected to 127.0.0.1:80").withLatency(Duration.ofMillis(3)));
    String response = exchange("GET /status HTTP/1.1\r\nHost: x\r\n\r\n");
    assertTrue(response.contains("content-type: application/json"), response);
    String body = response.substring(response.indexOf("\r\n\r\n") + 4);
    Config json =
        ConfigFactory.parseString(body, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
    assertEquals("UP", json.getString("state"));
    assertEquals("1.2.3", json.getString("version"));
    assertEquals("tcp", json.getString("probes.port.kind"));
    assertEquals("UP", json.getString("probes.port.health"));
    assertEquals(1, json.getInt("probes.port.consecutive_successes"));
    assertEquals("connected to 127.0.0.1:80", json.getString("probes.port.last.detail"));
    assertEquals(3.0, json.getDouble("probes.port.last.latency_ms"));
  }

  @Test
  void pageEscapesWhatItShows() {
    String response = exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assertTrue(response.contains("text/html"), response);
    assertTrue(response.contains("node-&lt;a&gt;"), response);
    assertFalse(response.contains("node-<a>"), response);
  }
}
