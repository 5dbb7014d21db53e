package io.keepwatch.agent.it;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValueFactory;
import io.keepwatch.agent.Await;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Debian's headless Chromium driven through chromedriver's W3C WebDriver protocol (plain HTTP and
 * JSON, so the JDK's client is enough), emulating a phone. Started and stopped by pid; everything
 * stays on loopback. The flags are those Chromium needs on this machine (no sandbox as root, no
 * background network).
 */
final class WebDriver implements AutoCloseable {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final Process driver;
  private final String base;
  private final String session;

  private WebDriver(Process driver, String base, String session) {
    this.driver = driver;
    this.base = base;
    this.session = session;
  }

  /** A phone-sized browser: width x height CSS pixels, a mobile viewport, touch. */
  static WebDriver phone(Path dir, int width, int height) throws Exception {
    int port = RealNginx.freePort();
    Process driver =
        new ProcessBuilder(CHROMEDRIVER.toString(), "--port=" + port, "--allowed-ips=127.0.0.1")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("chromedriver.log").toFile())
            .start();
    String base = "http://127.0.0.1:" + port;
    try {
      Await.until(
          Duration.ofSeconds(20),
          "chromedriver ready",
          () -> status(base + "/status"),
          s -> s == 200);
      Map<String, Object> chrome =
          Map.of(
              "binary",
              CHROMIUM.toString(),
              "args",
              List.of(
                  "--headless=new",
                  "--no-sandbox",
                  "--disable-gpu",
                  "--disable-quic",
                  "--no-first-run",
                  "--disable-background-networking",
                  "--disable-component-update",
                  "--disable-sync",
                  "--user-data-dir=" + Files.createTempDirectory(dir, "chromium")),
              "mobileEmulation",
              Map.of(
                  "deviceMetrics",
                  Map.of(
                      "width",
                      width,
                      "height",
                      height,
                      "pixelRatio",
                      2.0,
                      "touch",
                      true,
                      "mobile",
                      true)));
      Config created =
          call(
              "POST",
              base + "/session",
              Map.of(
                  "capabilities",
                  Map.of(
                      "alwaysMatch",
                      Map.of("browserName", "chrome", "goog:chromeOptions", chrome))));
      return new WebDriver(driver, base, created.getString("value.sessionId"));
    } catch (Exception | AssertionError e) {
      stop(driver);
      throw e;
    }
  }

  void open(String url) throws IOException, InterruptedException {
    call("POST", base + "/session/" + session + "/url", Map.of("url", url));
  }

  /** Runs a script in the page and returns what it returned, as text. */
  String eval(String script) throws IOException, InterruptedException {
    Config answer =
        call(
            "POST",
            base + "/session/" + session + "/execute/sync",
            Map.of("script", script, "args", List.of()));
    return String.valueOf(answer.getValue("value").unwrapped());
  }

  /** A PNG of the viewport. */
  void screenshot(Path png) throws IOException, InterruptedException {
    Config answer = call("GET", base + "/session/" + session + "/screenshot", null);
    Files.write(png, Base64.getDecoder().decode(answer.getString("value")));
  }

  private static int status(String url) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException | InterruptedException e) {
      return -1;
    }
  }

  private static Config call(String method, String url, Map<String, Object> body)
      throws IOException, InterruptedException {
    String json =
        body == null
            ? ""
            : ConfigValueFactory.fromMap(body)
                .render(com.typesafe.config.ConfigRenderOptions.concise().setJson(true));
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json");
    request =
        body == null
            ? request.GET()
            : request.method(method, HttpRequest.BodyPublishers.ofString(json));
    HttpResponse<String> response =
        HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new AssertionError(
          method + " " + url + " -> " + response.statusCode() + ": " + response.body());
    }
    return ConfigFactory.parseString(
        response.body(), ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
  }

  private static void stop(Process p) {
    p.destroy();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Ends the session (Chromium quits) and stops chromedriver. */
  @Override
  public void close() throws IOException {
    try {
      HTTP.send(
          HttpRequest.newBuilder(URI.create(base + "/session/" + session))
              .DELETE()
              .timeout(Duration.ofSeconds(30))
              .build(),
          HttpResponse.BodyHandlers.discarding());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stop(driver);
    }
  }
}
