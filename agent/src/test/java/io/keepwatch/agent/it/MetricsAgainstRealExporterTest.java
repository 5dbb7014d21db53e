package io.keepwatch.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Agent;
import io.keepwatch.agent.Await;
import io.keepwatch.agent.config.ConfigLoader;
import io.keepwatch.agent.endpoints.AgentInfo;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * keepwatch's nginx_* families against the real nginx-prometheus-exporter (Debian package
 * prometheus-nginx-exporter) scraping the same real nginx, and keepwatch's whole exposition through
 * the real promtool.
 */
class MetricsAgainstRealExporterTest {

  /** One client for the class: a client per request would leave a selector thread each. */
  static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();

  static final Path EXPORTER = Path.of("/usr/bin/prometheus-nginx-exporter");
  static final Path PROMTOOL = Path.of("/usr/bin/promtool");
  static final Duration DEADLINE = Duration.ofSeconds(15);

  @TempDir Path prefix;
  RealNginx nginx;
  Agent agent;
  Process exporter;

  @AfterEach
  void stopEverything() throws Exception {
    if (exporter != null) {
      exporter.destroyForcibly(); // by its pid, through the handle
      exporter.waitFor(10, TimeUnit.SECONDS);
    }
    if (agent != null) {
      agent.close();
    }
    if (nginx != null) {
      nginx.close();
    }
  }

  void start(String stubInterval) throws Exception {
    start(stubInterval, "");
  }

  void start(String stubInterval, String extra) throws Exception {
    nginx = RealNginx.startLoggingEveryRequest(prefix);
    // Only the stub-status probe talks to nginx, so nginx's counters move only when keepwatch
    // or the exporter fetch the page.
    String config =
        TestAgentConfig.hocon(
            prefix,
            nginx,
            "  restart.enabled = false",
            "  probes { port = null, home = null",
            // rise = fall = 1: the quick start makes exactly one first run, then the interval
            // applies.
            "    stub { url = \""
                + nginx.url("/nginx_status")
                + "\", interval = "
                + stubInterval
                + ", rise = 1, fall = 1, critical = true } }",
            extra);
    agent =
        Agent.start(
            ConfigLoader.parse(config, "test.conf").config(),
            new AgentInfo("test", "n1", Instant.now()));
  }

  String keepwatchMetrics() {
    return get("http://127.0.0.1:" + agent.http().port() + "/metrics");
  }

  static String get(String url) {
    try {
      HttpResponse<String> response =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, response.statusCode(), url);
      return response.body();
    } catch (IOException | InterruptedException e) {
      throw new AssertionError("GET " + url + ": " + e, e);
    }
  }

  /** The nginx_* lines of an exposition, in order: HELP, TYPE and samples. */
  static List<String> nginxLines(String exposition) {
    List<String> lines = new ArrayList<>();
    for (String line : exposition.split("\n", -1)) {
      if (line.startsWith("nginx_")
          || line.startsWith("# HELP nginx_")
          || line.startsWith("# TYPE nginx_")) {
        lines.add(line);
      }
    }
    return lines;
  }

  static Map<String, Long> values(List<String> lines) {
    Map<String, Long> values = new LinkedHashMap<>();
    for (String line : lines) {
      if (!line.startsWith("#")) {
        String[] parts = line.split(" ", -1);
        values.put(parts[0], Long.parseLong(parts[1]));
      }
    }
    return values;
  }

  @Test
  void nginxFamiliesMatchTheRealExporterLineByLine() throws Exception {
    start("10m"); // one fetch at start, then none during the test
    Await.until(DEADLINE, "nginx_up 1", this::keepwatchMetrics, m -> m.contains("\nnginx_up 1\n"));
    List<String> ours = nginxLines(keepwatchMetrics());

    int port = RealNginx.freePort();
    exporter =
        new ProcessBuilder(
                EXPORTER.toString(),
                "-nginx.scrape-uri",
                nginx.url("/nginx_status"),
                "-web.listen-address",
                "127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(prefix.resolve("exporter.log").toFile())
            .start();
    Await.until(DEADLINE, "the exporter listening", () -> listening(port), l -> l);
    List<String> theirs = nginxLines(get("http://127.0.0.1:" + port + "/metrics"));

    // Names, HELP, TYPE and order: identical.
    List<String> ourHeaders = ours.stream().filter(l -> l.startsWith("#")).toList();
    List<String> theirHeaders = theirs.stream().filter(l -> l.startsWith("#")).toList();
    assertEquals(theirHeaders, ourHeaders);
    assertEquals(16, ourHeaders.size(), "8 families");

    // Values. Between keepwatch's one fetch and the exporter's scrape, nginx changed only by the
    // exporter's own fetches (it also fetches once when it starts): counted in nginx's access
    // log. Without keep-alive each is one connection and one request, and at the moment of a
    // fetch the fetcher's own connection is the one active, writing connection.
    Map<String, Long> our = values(ours);
    Map<String, Long> their = values(theirs);
    assertEquals(their.keySet(), our.keySet(), "no labels, same samples");
    List<String> agents = nginx.loggedUserAgents();
    assertEquals("keepwatch", agents.get(0), agents.toString());
    long exporterFetches =
        agents.stream().skip(1).filter(a -> a.startsWith("NGINX-Prometheus-Exporter")).count();
    assertEquals(agents.size() - 1, exporterFetches, "nobody else touched nginx: " + agents);
    for (String counter :
        List.of(
            "nginx_connections_accepted",
            "nginx_connections_handled",
            "nginx_http_requests_total")) {
      assertEquals(our.get(counter) + exporterFetches, their.get(counter), counter);
    }
    for (String gauge :
        List.of(
            "nginx_connections_active",
            "nginx_connections_reading",
            "nginx_connections_waiting",
            "nginx_connections_writing",
            "nginx_up")) {
      assertEquals(our.get(gauge), their.get(gauge), gauge);
    }
  }

  @Test
  void promtoolFindsOnlyWhatTheExportersNamesForce() throws Exception {
    start("1s");
    Await.until(DEADLINE, "nginx_up 1", this::keepwatchMetrics, m -> m.contains("\nnginx_up 1\n"));
    Path exposition = prefix.resolve("metrics.txt");
    Files.writeString(exposition, keepwatchMetrics());
    Process promtool =
        new ProcessBuilder(PROMTOOL.toString(), "check", "metrics")
            .redirectInput(exposition.toFile())
            .redirectErrorStream(true)
            .start();
    assertTrue(promtool.waitFor(30, TimeUnit.SECONDS));
    List<String> findings =
        new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
            .lines()
            .filter(l -> !l.isBlank())
            .sorted()
            .toList();
    assertEquals(
        List.of(
            "nginx_connections_accepted counter metrics should have \"_total\" suffix",
            "nginx_connections_handled counter metrics should have \"_total\" suffix"),
        findings);
  }

  @Test
  void withNginxHungMetricsStillAnswerAndSayNginxUp0() throws Exception {
    start("1s");
    Await.until(DEADLINE, "nginx_up 1", this::keepwatchMetrics, m -> m.contains("\nnginx_up 1\n"));
    nginx.freeze(true);
    try {
      // The stub-status probe times out after 1 s; /metrics answers from the last result meanwhile.
      String hung =
          Await.until(
              DEADLINE, "nginx_up 0", this::keepwatchMetrics, m -> m.contains("\nnginx_up 0\n"));
      assertTrue(!hung.contains("nginx_connections_active"), "like the exporter: nginx_up 0 alone");
      assertTrue(
          hung.contains(
              "keepwatch_probe_failures_total{kind=\"stub-status\",on_failure=\"restart\","
                  + "outcome=\"timeout\",probe=\"stub\",}"),
          hung);
    } finally {
      nginx.freeze(false);
    }
  }

  @Test
  void theConfigFingerprintFollowsNginxT() throws Exception {
    Path nginxConf = prefix.resolve("nginx.conf");
    start(
        "1s",
        String.join(
            "\n",
            "  nginx.config-dump = "
                + SupervisorAgainstRealNginxTest.hocon(
                    List.of(
                        RealNginx.BINARY.toString(),
                        "-T",
                        "-q",
                        "-p",
                        prefix.toString(),
                        "-c",
                        nginxConf.toString())),
            "  nginx.config-fingerprint-interval = 200ms"));
    String first = Await.until(DEADLINE, "a fingerprint", this::fingerprint, f -> f.length() == 16);
    Files.writeString(nginxConf, Files.readString(nginxConf) + "# changed\n");
    Await.until(
        DEADLINE,
        "a new fingerprint",
        this::fingerprint,
        f -> f.length() == 16 && !f.equals(first));
  }

  String fingerprint() {
    for (String line : keepwatchMetrics().split("\n", -1)) {
      if (line.startsWith("keepwatch_nginx_config_info{fingerprint=\"")) {
        return line.substring(line.indexOf('"') + 1, line.indexOf('"', line.indexOf('"') + 1));
      }
    }
    return "";
  }

  static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
