package io.keepwatch.probes.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.probes.ProbeResult;
import io.keepwatch.probes.ProbeResult.Outcome;
import io.keepwatch.probes.TimeBoundProbe;
import io.keepwatch.probes.stubstatus.StubStatus;
import io.keepwatch.probes.stubstatus.StubStatusProbe;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tcp, http and stub-status probes against real servers on loopback. */
class NetProbesTest {

  static NioEventLoopGroup group;
  LoopbackServers servers = new LoopbackServers();
  static final Duration TIMEOUT = Duration.ofMillis(500);

  @BeforeAll
  static void start() {
    group = new NioEventLoopGroup(1);
  }

  @AfterAll
  static void stop() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @AfterEach
  void closeServers() throws Exception {
    servers.close();
  }

  static ProbeResult run(io.keepwatch.probes.Probe probe) throws Exception {
    // The future always completes within the timeout; the extra second only guards the test.
    return new TimeBoundProbe(probe, TIMEOUT, group)
        .check()
        .get(TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
  }

  static String url(InetSocketAddress address, String path) {
    return "http://127.0.0.1:" + address.getPort() + path;
  }

  HttpFetch fetch(String url) {
    return fetch(url, "");
  }

  HttpFetch fetch(String url, String host) {
    return new HttpFetch(group, HttpTarget.parse(url, host), TIMEOUT, 64 * 1024, false);
  }

  @Test
  void tcpConnects() throws Exception {
    InetSocketAddress address = servers.silent();
    ProbeResult result = run(new TcpProbe(group, address, TIMEOUT));
    assertEquals(Outcome.OK, result.outcome(), result.detail());
    assertTrue(result.latency().compareTo(Duration.ZERO) > 0);
  }

  @Test
  void tcpRefused() throws Exception {
    InetSocketAddress address = LoopbackServers.closedPort();
    ProbeResult result = run(new TcpProbe(group, address, TIMEOUT));
    assertEquals(Outcome.CONNECT_FAILED, result.outcome());
    assertEquals(
        "connect to 127.0.0.1:" + address.getPort() + ": Connection refused", result.detail());
  }

  @Test
  void httpHealthy() throws Exception {
    InetSocketAddress address = servers.http(200, "hello");
    ProbeResult result =
        run(new HttpProbe(fetch(url(address, "/")), StatusRange.parse("200-399"), "hell"));
    assertEquals(Outcome.OK, result.outcome(), result.detail());
    assertEquals("HTTP 200", result.detail());
  }

  @Test
  void httpStatusOutsideRange() throws Exception {
    InetSocketAddress address = servers.http(502, "bad gateway");
    String url = url(address, "/x");
    ProbeResult result = run(new HttpProbe(fetch(url), StatusRange.parse("200-399"), ""));
    assertEquals(Outcome.BAD_RESPONSE, result.outcome());
    assertEquals("GET " + url + ": HTTP 502, expected 200-399", result.detail());
  }

  /** Regression (issue 14): a redirect loop counted as healthy under the default 200-399. */
  @Test
  void aRedirectToItselfIsALoopNotAnAnswer() throws Exception {
    InetSocketAddress loop = servers.http(302, "", "/x?a=1");
    String url = url(loop, "/x?a=1");
    ProbeResult result = run(new HttpProbe(fetch(url), StatusRange.parse("200-399"), ""));
    assertEquals(Outcome.BAD_RESPONSE, result.outcome());
    assertEquals(
        "GET " + url + ": HTTP 302 redirects to itself (Location: '/x?a=1'): a redirect loop",
        result.detail());
    InetSocketAddress elsewhere = servers.http(301, "", "/login");
    assertEquals(
        Outcome.OK,
        run(new HttpProbe(fetch(url(elsewhere, "/x")), StatusRange.parse("200-399"), "")).outcome(),
        "a redirect elsewhere is still an answer");
  }

  @Test
  void httpBodyMissingExpectedText() throws Exception {
    InetSocketAddress address = servers.http(200, "maintenance page");
    String url = url(address, "/");
    ProbeResult result = run(new HttpProbe(fetch(url), StatusRange.parse("200"), "healthy"));
    assertEquals(Outcome.BAD_RESPONSE, result.outcome());
    assertEquals("GET " + url + ": HTTP 200 but the body lacks 'healthy'", result.detail());
  }

  @Test
  void httpSendsTheConfiguredHostHeader() throws Exception {
    InetSocketAddress address = servers.http(200, "host={host}");
    ProbeResult result =
        run(
            new HttpProbe(
                fetch(url(address, "/"), "www.example.test"),
                StatusRange.parse("200"),
                "host=www.example.test"));
    assertEquals(Outcome.OK, result.outcome(), result.detail());
  }

  @Test
  void httpDefaultHostHeaderIsTheUrlsHostAndPort() throws Exception {
    InetSocketAddress address = servers.http(200, "host={host}");
    ProbeResult result =
        run(
            new HttpProbe(
                fetch(url(address, "/")),
                StatusRange.parse("200"),
                "host=127.0.0.1:" + address.getPort()));
    assertEquals(Outcome.OK, result.outcome(), result.detail());
  }

  @Test
  void httpHungServerTimesOut() throws Exception {
    InetSocketAddress address = servers.silent();
    ProbeResult result = run(new HttpProbe(fetch(url(address, "/")), StatusRange.parse("200"), ""));
    assertEquals(Outcome.TIMEOUT, result.outcome());
    assertEquals("timeout after 500 ms", result.detail());
  }

  @Test
  void httpGarbageReply() throws Exception {
    InetSocketAddress address = servers.raw("SSH-2.0-OpenSSH_9.2\r\n");
    ProbeResult result = run(new HttpProbe(fetch(url(address, "/")), StatusRange.parse("200"), ""));
    assertEquals(Outcome.BAD_RESPONSE, result.outcome(), result.detail());
  }

  @Test
  void httpConnectionClosedWithoutReply() throws Exception {
    InetSocketAddress address = servers.raw("");
    String url = url(address, "/");
    ProbeResult result = run(new HttpProbe(fetch(url), StatusRange.parse("200"), ""));
    assertEquals(Outcome.BAD_RESPONSE, result.outcome(), result.detail());
    assertEquals("GET " + url + ": connection closed before a complete response", result.detail());
  }

  @Test
  void httpOversizedBodyFailsInsteadOfFillingMemory() throws Exception {
    InetSocketAddress address = servers.http(200, "x".repeat(100_000));
    String url = url(address, "/");
    ProbeResult result = run(new HttpProbe(fetch(url), StatusRange.parse("200"), ""));
    assertEquals(Outcome.BAD_RESPONSE, result.outcome(), result.detail());
    assertEquals("GET " + url + ": response larger than 65536 bytes", result.detail());
  }

  @Test
  void httpRefused() throws Exception {
    InetSocketAddress address = LoopbackServers.closedPort();
    ProbeResult result = run(new HttpProbe(fetch(url(address, "/")), StatusRange.parse("200"), ""));
    assertEquals(Outcome.CONNECT_FAILED, result.outcome());
  }

  @Test
  void stubStatusParsesAndCarriesThePage() throws Exception {
    InetSocketAddress address =
        servers.http(
            200,
            "Active connections: 3 \nserver accepts handled requests\n 10 10 25 \nReading: 0 Writing: 1 Waiting: 2 \n");
    ProbeResult result = run(new StubStatusProbe(fetch(url(address, "/nginx_status"))));
    assertEquals(Outcome.OK, result.outcome(), result.detail());
    assertEquals(Optional.of(new StubStatus(3, 10, 10, 25, 0, 1, 2)), result.page());
  }

  @Test
  void stubStatusGarbageIsAFailureWithTheParserReason() throws Exception {
    InetSocketAddress address = servers.http(200, "garbage\n");
    String url = url(address, "/nginx_status");
    ProbeResult result = run(new StubStatusProbe(fetch(url)));
    assertEquals(Outcome.BAD_RESPONSE, result.outcome());
    assertEquals(
        "GET " + url + ": malformed stub_status: expected 4 lines, got 1 (first: 'garbage')",
        result.detail());
    assertEquals(Optional.empty(), result.page());
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(ints = {404, 500, 503})
  void stubStatusErrorAnswers(int status) throws Exception {
    InetSocketAddress address = servers.http(status, "<html>" + status + "</html>");
    String url = url(address, "/nginx_status");
    ProbeResult result = run(new StubStatusProbe(fetch(url)));
    assertEquals(Outcome.BAD_RESPONSE, result.outcome());
    assertEquals("GET " + url + ": HTTP " + status + ", expected 200", result.detail());
  }

  @Test
  void targetParsing() {
    HttpTarget t = HttpTarget.parse("http://127.0.0.1:8080/nginx_status?x=1", "");
    assertEquals("/nginx_status?x=1", t.requestTarget());
    assertEquals("127.0.0.1:8080", t.hostHeader());
    assertEquals(8080, t.address().getPort());
    HttpTarget https = HttpTarget.parse("https://[::1]/", "www.example.test");
    assertTrue(https.tls());
    assertEquals(443, https.address().getPort());
    assertEquals("www.example.test", https.hostHeader());
    assertEquals("www.example.test", https.tlsServerName());
    assertEquals("/", HttpTarget.parse("http://localhost", "").requestTarget());
    assertThrows(IllegalArgumentException.class, () -> HttpTarget.parse("ftp://127.0.0.1/", ""));
    assertThrows(IllegalArgumentException.class, () -> HttpTarget.parse("http:///path", ""));
    assertThrows(IllegalArgumentException.class, () -> HttpTarget.parse("http://a b/", ""));
  }

  @Test
  void statusRanges() {
    assertEquals(new StatusRange(200, 399), StatusRange.parse("200-399"));
    assertEquals(new StatusRange(204, 204), StatusRange.parse(" 204 "));
    assertTrue(StatusRange.parse("200-399").contains(302));
    assertThrows(IllegalArgumentException.class, () -> StatusRange.parse("399-200"));
    assertThrows(IllegalArgumentException.class, () -> StatusRange.parse("2xx"));
    assertThrows(IllegalArgumentException.class, () -> StatusRange.parse("200-"));
    assertThrows(IllegalArgumentException.class, () -> StatusRange.parse("99"));
  }
}
