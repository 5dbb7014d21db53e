package io.keepwatch.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Agent;
import io.keepwatch.agent.Await;
import io.keepwatch.agent.LoopbackHttp;
import io.keepwatch.agent.TestTls;
import io.keepwatch.agent.endpoints.AgentInfo;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network listener over real loopback sockets: TLS and basic auth from an exporter-toolkit web
 * config, only the chosen paths, /check untouched on http.listen, certificates rotated without a
 * restart.
 */
@Timeout(120)
class NetworkListenerTest {

  static final Duration DEADLINE = Duration.ofSeconds(20);

  @TempDir Path dir;
  Agent agent;

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.close();
    }
  }

  Agent start(String... lines) throws Exception {
    List<String> all = new ArrayList<>(List.of("  restart.enabled = false"));
    all.addAll(List.of(lines));
    agent =
        TestAgentConfig.startWithoutNginx(
            dir, new AgentInfo("test", "n1", Instant.now()), all.toArray(String[]::new));
    return agent;
  }

  static HttpResponse<String> get(SSLContext tls, String url, String user, String password)
      throws IOException, InterruptedException {
    HttpClient client =
        HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    if (user != null) {
      request.header(
          "Authorization",
          "Basic "
              + Base64.getEncoder()
                  .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  String loopback(String path) throws Exception {
    return LoopbackHttp.body(agent.http().port(), path);
  }

  @Test
  void servesMetricsOverTlsToTheRightUserOnlyAndCountsRefusals() throws Exception {
    TestTls tls = TestTls.make(dir, "server");
    Path web =
        Files.writeString(
            dir.resolve("web.yml"),
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                + "basic_auth_users:\n  prometheus: "
                + TestTls.htpasswd("s3cret")
                + "\n");
    start("  network.listen = [\"127.0.0.1:0\"]", "  network.web-config = \"" + web + "\"");
    String base = "https://127.0.0.1:" + agent.network().ports().get(0);
    SSLContext client = tls.clientContext();

    HttpResponse<String> ok = get(client, base + "/metrics", "prometheus", "s3cret");
    assertEquals(200, ok.statusCode(), ok.body());
    assertTrue(ok.body().contains("keepwatch_build_info{"), ok.body());

    HttpResponse<String> wrong = get(client, base + "/metrics", "prometheus", "guess");
    assertEquals(401, wrong.statusCode());
    assertEquals(
        "Basic realm=\"keepwatch\", charset=\"UTF-8\"",
        wrong.headers().firstValue("WWW-Authenticate").orElse(""));
    assertEquals(401, get(client, base + "/metrics", "nobody", "s3cret").statusCode());
    assertEquals(401, get(client, base + "/metrics", null, null).statusCode());

    // Not chosen (network.serve = ["/metrics"] by default): as if they did not exist.
    assertEquals(404, get(client, base + "/status", "prometheus", "s3cret").statusCode());
    assertEquals(404, get(client, base + "/", "prometheus", "s3cret").statusCode());
    assertEquals(404, get(client, base + "/check", "prometheus", "s3cret").statusCode());

    // Plain HTTP to the TLS port is a failed handshake, counted.
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    assertThrows(
        IOException.class,
        () ->
            plain.send(
                HttpRequest.newBuilder(URI.create(base.replace("https", "http") + "/metrics"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString()));

    // keepalived's check is untouched, on loopback, without credentials.
    assertTrue(loopback("/check").matches("(STARTING|DOWN).*\\n"), loopback("/check"));
    Await.until(
        DEADLINE,
        "the refusals counted in /metrics",
        () -> {
          try {
            return loopback("/metrics");
          } catch (Exception e) {
            return "";
          }
        },
        m ->
            m.contains("keepwatch_http_auth_failures_total{reason=\"wrong\",} 2.0")
                && m.contains("keepwatch_http_auth_failures_total{reason=\"missing\",} 1.0")
                && m.matches("(?s).*keepwatch_http_tls_handshake_failures_total [1-9].*"));
  }

  @Test
  void servesStatusAndThePageOnlyWhenChosenAndWithoutTlsWhenNoWebConfig() throws Exception {
    start(
        "  network.listen = [\"127.0.0.1:0\", \"127.0.0.2:0\"]",
        "  network.serve = [\"/metrics\", \"/status\", \"/\"]");
    List<Integer> ports = agent.network().ports();
    for (String base :
        List.of("http://127.0.0.1:" + ports.get(0), "http://127.0.0.2:" + ports.get(1))) {
      HttpResponse<String> status = get(SSLContext.getDefault(), base + "/status", null, null);
      assertEquals(200, status.statusCode(), base);
      assertTrue(status.body().contains("\"hold_vip_in_force\""), status.body());
      HttpResponse<String> page = get(SSLContext.getDefault(), base + "/", null, null);
      assertTrue(page.body().contains("id=\"banner\""), page.body());
      assertEquals(404, get(SSLContext.getDefault(), base + "/check", null, null).statusCode());
    }
  }

  @Test
  void aRotatedCertificateIsUsedWithoutARestart() throws Exception {
    TestTls first = TestTls.make(dir.resolve("first"), "server");
    Path cert = Files.copy(first.cert(), dir.resolve("node.crt"));
    Path key = Files.copy(first.key(), dir.resolve("node.key"));
    Path web =
        Files.writeString(
            dir.resolve("web.yml"),
            "tls_server_config:\n  cert_file: node.crt\n  key_file: node.key\n");
    start("  network.listen = [\"127.0.0.1:0\"]", "  network.web-config = \"" + web + "\"");
    String url = "https://127.0.0.1:" + agent.network().ports().get(0) + "/metrics";
    assertEquals(200, get(first.clientContext(), url, null, null).statusCode());

    // As certbot renews: new files renamed over the old ones.
    TestTls second = TestTls.make(dir.resolve("second"), "server");
    Files.copy(second.key(), dir.resolve("node.key.new"));
    Files.copy(second.cert(), dir.resolve("node.crt.new"));
    Files.move(
        dir.resolve("node.key.new"),
        key,
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
    Files.move(
        dir.resolve("node.crt.new"),
        cert,
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
    SSLContext trustsSecond = second.clientContext();
    Await.until(
        DEADLINE,
        "the new certificate served",
        () -> {
          try {
            return get(trustsSecond, url, null, null).statusCode();
          } catch (IOException | InterruptedException e) {
            return -1;
          }
        },
        code -> code == 200);
  }
}
