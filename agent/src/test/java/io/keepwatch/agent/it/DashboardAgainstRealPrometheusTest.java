package io.keepwatch.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import io.keepwatch.agent.Agent;
import io.keepwatch.agent.Await;
import io.keepwatch.agent.TestTls;
import io.keepwatch.agent.config.ConfigLoader;
import io.keepwatch.agent.endpoints.AgentInfo;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * grafana/keepwatch.json and examples/prometheus/keepwatch-alerts.yml against a real Prometheus
 * (Debian package prometheus) scraping a real agent watching a real nginx, all on loopback.
 */
class DashboardAgainstRealPrometheusTest {

  /** One client for the class: a client per request would leave a selector thread each. */
  static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();

  static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  static final Path PROMTOOL = Path.of("/usr/bin/promtool");
  static final Path DASHBOARD = Path.of("../grafana/keepwatch.json").toAbsolutePath().normalize();
  static final Path RULES = Path.of("../examples/prometheus").toAbsolutePath().normalize();
  static final Duration DEADLINE = Duration.ofSeconds(30);

  @TempDir Path dir;
  RealNginx nginx;
  Agent agent;
  Process prometheus;
  int prometheusPort;

  @AfterEach
  void stopEverything() throws Exception {
    if (prometheus != null) {
      prometheus.destroy(); // SIGTERM to its pid: Prometheus shuts down cleanly
      if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (agent != null) {
      agent.close();
    }
    if (nginx != null) {
      nginx.close();
    }
  }

  @Test
  void everyPanelQueryReturnsDataFromARealScrape() throws Exception {
    nginx = RealNginx.start(dir.resolve("nginx"));
    agent =
        Agent.start(
            ConfigLoader.parse(
                    TestAgentConfig.hocon(
                        dir,
                        nginx,
                        "  restart.enabled = false",
                        "  nginx.config-fingerprint-interval = 1s",
                        "  keepalived.notify-fifo = \"" + dir.resolve("vrrp.fifo") + "\"",
                        "  probes {",
                        "    port.address = \"127.0.0.1:" + nginx.port() + "\"",
                        "    home.url = \"" + nginx.url("/") + "\"",
                        "    stub.url = \"" + nginx.url("/nginx_status") + "\"",
                        "  }"),
                    "test.conf")
                .config(),
            new AgentInfo("test", "n1", Instant.now()));
    String target = "127.0.0.1:" + agent.http().port();
    // What keepalived writes on its notify FIFO when VI_1 takes over (the format is checked
    // against real keepalived in KeepalivedInNamespaceTest).
    Await.until(DEADLINE, "the notify FIFO", () -> Files.exists(dir.resolve("vrrp.fifo")), e -> e);
    try (java.io.FileOutputStream keepalived =
        new java.io.FileOutputStream(dir.resolve("vrrp.fifo").toFile())) {
      keepalived.write(
          "INSTANCE \"VI_1\" BACKUP 100\nINSTANCE \"VI_1\" MASTER 100\n"
              .getBytes(StandardCharsets.UTF_8));
    }

    startPrometheus(
        "  - job_name: keepwatch", "    static_configs:", "      - targets: [\"" + target + "\"]");
    // Enough scrapes for rate() and increase() over a 5 s window.
    Await.until(
        DEADLINE,
        "8 scrapes of keepwatch",
        () -> result("count_over_time(up{job=\"keepwatch\"}[1m])"),
        r ->
            !r.isEmpty()
                && Double.parseDouble(r.get(0).getList("value").get(1).unwrapped().toString())
                    >= 8);

    Config dashboard =
        ConfigFactory.parseFile(
            DASHBOARD.toFile(), ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
    Map<String, Integer> resultsPerPanel = new TreeMap<>();
    List<String> empty = new ArrayList<>();
    for (Config panel : dashboard.getConfigList("panels")) {
      if (panel.getString("type").equals("row")) {
        continue;
      }
      String title = panel.getString("title");
      for (Config t : panel.getConfigList("targets")) {
        String expr =
            t.getString("expr")
                .replace("$job", "keepwatch")
                .replace("$instance", target)
                .replace("$__rate_interval", "5s");
        List<? extends Config> result = result(expr); // fails the test on invalid PromQL
        resultsPerPanel.merge(title, result.size(), Integer::sum);
        if (result.isEmpty()) {
          empty.add(title + ": " + expr);
        }
      }
    }
    assertEquals(List.of(), empty, "panel queries without data; per panel: " + resultsPerPanel);

    // The template variables (Grafana's label_values) through the same API.
    assertEquals(List.of("keepwatch"), labelValues("job", "keepwatch_build_info"));
    assertEquals(
        List.of(target), labelValues("instance", "keepwatch_build_info{job=~\"keepwatch\"}"));
  }

  /** Starts Prometheus scraping every second with these scrape_configs lines; waits until ready. */
  void startPrometheus(String... scrapeConfigs) throws IOException {
    prometheusPort = RealNginx.freePort();
    Path config = dir.resolve("prometheus.yml");
    List<String> lines =
        new ArrayList<>(
            List.of(
                "global:",
                "  scrape_interval: 1s",
                "  evaluation_interval: 1s",
                "scrape_configs:"));
    lines.addAll(List.of(scrapeConfigs));
    Files.writeString(config, String.join("\n", lines) + "\n");
    prometheus =
        new ProcessBuilder(
                PROMETHEUS.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + prometheusPort)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    Await.until(DEADLINE, "Prometheus ready", () -> status("/-/ready"), s -> s == 200);
  }

  /** One number from an instant query that returns one series. */
  double value(String promql) {
    List<? extends Config> r = result(promql);
    return r.isEmpty()
        ? Double.NaN
        : Double.parseDouble(r.get(0).getList("value").get(1).unwrapped().toString());
  }

  /**
   * A real Prometheus scrapes the network listener over TLS with basic auth (the exporter-toolkit
   * web config), a second job with a wrong password is refused (401) and counted; and the first VIP
   * move of a VRRP instance shows in increase() (issue 13: its counter appeared at 1).
   */
  @Test
  void scrapesTheNetworkListenerOverTlsWithBasicAuthAndSeesTheFirstFailover() throws Exception {
    TestTls tls = TestTls.make(dir.resolve("tls"), "node");
    Path web =
        Files.writeString(
            dir.resolve("web.yml"),
            "tls_server_config:\n  cert_file: tls/node.crt\n  key_file: tls/node.key\n"
                + "basic_auth_users:\n  prometheus: "
                + TestTls.htpasswd("s3cret")
                + "\n");
    Path fifo = dir.resolve("vrrp.fifo");
    agent =
        TestAgentConfig.startWithoutNginx(
            dir,
            new AgentInfo("test", "n1", Instant.now()),
            "  restart.enabled = false",
            "  keepalived.notify-fifo = \"" + fifo + "\"",
            "  network.listen = [\"127.0.0.1:0\"]",
            "  network.web-config = \"" + web + "\"");
    Await.until(DEADLINE, "the notify FIFO", () -> Files.exists(fifo), e -> e);
    writeFifo(fifo, "INSTANCE \"VI_1\" BACKUP 100\n");
    String target = "127.0.0.1:" + agent.network().ports().get(0);
    List<String> scrape = new ArrayList<>();
    for (String[] job :
        new String[][] {{"keepwatch-tls", "s3cret"}, {"keepwatch-wrong", "guess"}}) {
      scrape.addAll(
          List.of(
              "  - job_name: " + job[0],
              "    scheme: https",
              "    tls_config:",
              "      ca_file: " + tls.ca(),
              "    basic_auth:",
              "      username: prometheus",
              "      password: " + job[1],
              "    static_configs:",
              "      - targets: [\"" + target + "\"]"));
    }
    startPrometheus(scrape.toArray(String[]::new));

    String master = "keepwatch_vrrp_transitions_total{job=\"keepwatch-tls\",to=\"MASTER\"}";
    Await.until(DEADLINE, "VI_1's MASTER counter scraped at 0", () -> value(master), v -> v == 0);
    writeFifo(fifo, "INSTANCE \"VI_1\" MASTER 100\n");
    Await.until(
        DEADLINE,
        "the first failover in increase()",
        () -> value("increase(" + master.replace("}", "}[30s]") + ")"),
        v -> v > 0);

    assertEquals(1, value("up{job=\"keepwatch-tls\"}"));
    assertEquals(0, value("up{job=\"keepwatch-wrong\"}"));
    Config targets = api("/api/v1/targets?state=active");
    String wrongError =
        targets.getConfigList("data.activeTargets").stream()
            .filter(t -> t.getString("labels.job").equals("keepwatch-wrong"))
            .map(t -> t.getString("lastError"))
            .findFirst()
            .orElse("");
    assertTrue(wrongError.contains("401"), wrongError);
    Await.until(
        DEADLINE,
        "the refused scrapes counted",
        () -> value("keepwatch_http_auth_failures_total{job=\"keepwatch-tls\",reason=\"wrong\"}"),
        v -> v >= 2);
  }

  static void writeFifo(Path fifo, String lines) throws IOException {
    try (java.io.FileOutputStream keepalived = new java.io.FileOutputStream(fifo.toFile())) {
      keepalived.write(lines.getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void theExampleAlertRulesAreValidAndPassTheirUnitTests() throws Exception {
    assertEquals(
        "",
        promtool("check", "rules", RULES.resolve("keepwatch-alerts.yml").toString())
            .replaceAll("(?s)Checking .*SUCCESS: \\d+ rules found\\s*", ""));
    String tested =
        promtool("test", "rules", RULES.resolve("keepwatch-alerts.test.yml").toString());
    assertTrue(tested.contains("SUCCESS"), tested);
  }

  static String promtool(String... args) throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>(List.of(PROMTOOL.toString()));
    argv.addAll(List.of(args));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool finished");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  int status(String path) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create(base() + path))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException | InterruptedException e) {
      return -1;
    }
  }

  String base() {
    return "http://127.0.0.1:" + prometheusPort;
  }

  Config api(String pathAndQuery) {
    try {
      HttpResponse<String> response =
          HTTP.send(
              // Generous: this checks answers, not speed, on a shared 2-core machine.
              HttpRequest.newBuilder(URI.create(base() + pathAndQuery))
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      Config json =
          ConfigFactory.parseString(
              response.body(), ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
      assertEquals("success", json.getString("status"), pathAndQuery + " -> " + response.body());
      return json;
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(pathAndQuery + ": " + e, e);
    }
  }

  List<? extends Config> result(String promql) {
    return api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8))
        .getConfigList("data.result");
  }

  List<String> labelValues(String label, String match) {
    return api("/api/v1/label/"
            + label
            + "/values?match[]="
            + URLEncoder.encode(match, StandardCharsets.UTF_8))
        .getStringList("data");
  }
}
