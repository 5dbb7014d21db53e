package io.keepwatch.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Agent;
import io.keepwatch.agent.Await;
import io.keepwatch.agent.endpoints.AgentInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in a real browser (Debian's headless Chromium) on a phone-sized screen: it
 * renders, the banner says the state in the state's colour, the page is as wide as the phone (no
 * table cut off, nothing to scroll sideways), keepalived's view and the next step are there. A
 * screenshot goes to target/ (or to the directory in -Dkeepwatch.screenshots, for docs/).
 */
@Timeout(180)
class StatusPageInChromiumTest {

  static final Duration DEADLINE = Duration.ofSeconds(30);

  @TempDir Path dir;
  Agent agent;

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.close();
    }
  }

  String get(String path) {
    try {
      return java.net.http.HttpClient.newHttpClient()
          .send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create("http://127.0.0.1:" + agent.http().port() + path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (java.io.IOException | InterruptedException e) {
      return "";
    }
  }

  @Test
  void anEscalatedNodeOnAPhone() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(WebDriver.CHROMIUM) && Files.isExecutable(WebDriver.CHROMEDRIVER),
        "Debian's chromium and chromium-driver are not installed (scripts/test installs them)");
    Path fifo = dir.resolve("vrrp.fifo");
    // nginx is absent; the restart "works" but nginx never comes: after two attempts the node is
    // ESCALATED, with actions to show.
    agent =
        TestAgentConfig.startWithoutNginx(
            dir,
            new AgentInfo("0.1.0", "web1.example.net", Instant.now()),
            "  nginx { config-test = [\"/bin/true\"], restart = [\"/bin/true\"] }",
            "  restart { max-attempts = 2, grace = 300ms, backoff = 100ms, hold-vip = 0s }",
            "  keepalived.notify-fifo = \"" + fifo + "\"",
            "  probes { stub = null, home.url = \"http://127.0.0.1:1/\",",
            "    port.address = \"127.0.0.1:1\" }");
    Await.until(DEADLINE, "the notify FIFO", () -> Files.exists(fifo), e -> e);
    try (java.io.FileOutputStream keepalived = new java.io.FileOutputStream(fifo.toFile())) {
      keepalived.write(
          "INSTANCE \"VI_1\" MASTER 100\nINSTANCE \"VI_1\" FAULT 100\nINSTANCE \"VI_2\" BACKUP 90\n"
              .getBytes(StandardCharsets.UTF_8));
    }
    Await.until(
        DEADLINE,
        "ESCALATED",
        () -> agent.judge().snapshot().verdict().state().name(),
        "ESCALATED"::equals);
    Await.until(
        DEADLINE,
        "both VRRP instances in /status",
        () -> get("/status"),
        s -> s.contains("VI_2") && s.contains("FAULT"));

    try (WebDriver phone = WebDriver.phone(dir, 390, 844)) {
      phone.open("http://127.0.0.1:" + agent.http().port() + "/");
      String banner =
          Await.until(
              DEADLINE,
              "the banner",
              () -> {
                try {
                  return phone.eval("return document.getElementById('banner').innerText");
                } catch (Exception e) {
                  return "";
                }
              },
              text -> text.contains("ESCALATED"));
      assertTrue(banner.startsWith("web1.example.net: ESCALATED for "), banner);
      assertTrue(banner.contains("keepwatch reset"), banner);
      assertEquals(
          "rgb(107, 15, 143)",
          phone.eval("return getComputedStyle(document.getElementById('banner')).backgroundColor"),
          "ESCALATED's own colour");
      // The viewport meta took effect (a phone lays the page out 390 px wide, not 980) and
      // nothing is wider than the screen.
      assertEquals("390", phone.eval("return String(window.innerWidth)"));
      assertEquals(
          "true",
          phone.eval("return String(document.documentElement.scrollWidth <= window.innerWidth)"),
          "the page scrolls sideways: something is cut off");
      assertEquals(
          "true",
          phone.eval(
              "return String([...document.querySelectorAll('.scroll')]"
                  + ".every(e => e.scrollWidth <= e.clientWidth))"),
          "a table is wider than the phone: part of it is hidden");
      String page = phone.eval("return document.body.innerText");
      assertTrue(page.contains("VI_1") && page.contains("FAULT"), page);
      assertTrue(page.contains("VI_2") && page.contains("BACKUP"), page);
      assertTrue(page.contains("/metrics") && page.contains("/status"), page);
      Path shots = Path.of(System.getProperty("keepwatch.screenshots", "target"));
      Files.createDirectories(shots);
      phone.screenshot(shots.resolve("status-page-phone-escalated.png"));
    }
  }
}
