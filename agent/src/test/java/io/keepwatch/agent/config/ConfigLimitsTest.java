package io.keepwatch.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Values nobody can mean and files nobody should include are refused, with the limit (issue 14).
 */
class ConfigLimitsTest {

  @TempDir Path dir;

  private static final Duration AT_ONCE = Duration.ofSeconds(5);

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "probes.process.interval = 1ms | keepwatch.probes.process.interval: must be from 100ms to"
            + " 1h, got \"1ms\"",
        "probes.process.timeout = 1ms | keepwatch.probes.process.timeout: must be from 50ms to 1m,"
            + " got \"1ms\"",
        "probes.home.timeout = 2h | keepwatch.probes.home.timeout: must be from 50ms to 1m, got \"2h\"",
        "nginx.command-timeout = 1ms | keepwatch.nginx.command-timeout: must be from 1s to 10m, got"
            + " \"1ms\"",
        "restart.backoff = 1ms | keepwatch.restart.backoff: must be from 50ms to 10m, got \"1ms\"",
        "restart.window = 10s | keepwatch.restart.window: restart.window (10000 ms) must be at"
            + " least (max-attempts - 1) x (grace + backoff) = 12000 ms",
        "restart.backoff = 5m | keepwatch.restart.backoff: restart.window (300000 ms) must be at"
            + " least (max-attempts - 1) x (grace + backoff) = 610000 ms",
        "nginx.config-fingerprint-interval = 1ms | keepwatch.nginx.config-fingerprint-interval:"
            + " must be 0s (never) or at least 100ms",
      })
  void valuesNobodyCanMeanAreRefusedWithTheRange(String line, String error) {
    ConfigError e =
        assertThrows(
            ConfigError.class, () -> ConfigLoader.parse("keepwatch." + line + "\n", "k.conf"));
    assertTrue(e.getMessage().contains(":1: " + error), e.getMessage());
  }

  @Test
  void moreProbesThanASaneMaximumAreRefused() {
    String probes =
        IntStream.range(0, 2000)
            .mapToObj(i -> "keepwatch.probes.p" + i + " { kind = tcp, address = \"127.0.0.1:80\" }")
            .collect(Collectors.joining("\n"));
    ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.parse(probes, "k.conf"));
    assertTrue(
        e.getMessage().contains("keepwatch.probes: 2004 probes; at most 32"), e.getMessage());
  }

  @Test
  void deepNestingIsRefusedNamingTheLine() {
    String deep = "keepwatch.x = " + "[".repeat(100_000) + "]".repeat(100_000) + "\n";
    ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.parse(deep, "k.conf"));
    assertEquals(
        "k.conf:1: nested more than 32 levels deep; keepwatch's own keys need 5", e.getMessage());
  }

  @Test
  void aHugeMainFileIsRefusedNamingTheLimit() throws Exception {
    Path file = dir.resolve("keepwatch.conf");
    Files.writeString(file, "# " + "x".repeat(10 << 20) + "\n");
    ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(file));
    assertEquals(file + ": is 10485763 bytes, more than the limit of 65536", e.getMessage());
  }

  /**
   * Regression: an include of a huge or endless file killed the agent at SIGHUP (OutOfMemoryError,
   * and config check exited 3 instead of 78); an include of a FIFO blocked the reload for good.
   */
  @Test
  void includesOfHugeEndlessAndBlockingFilesAreRefusedAtOnce() throws Exception {
    Path huge = Files.writeString(dir.resolve("huge.conf"), "# " + "x".repeat(8 << 20) + "\n");
    Path zero = Files.createSymbolicLink(dir.resolve("zero.conf"), Path.of("/dev/zero"));
    Path fifo = dir.resolve("fifo.conf");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    for (Path included : new Path[] {huge, zero, fifo}) {
      for (String include :
          new String[] {"include \"" + included + "\"", "include file(\"" + included + "\")"}) {
        Path file = Files.writeString(dir.resolve("keepwatch.conf"), include + "\n");
        ConfigError e =
            assertTimeoutPreemptively(
                AT_ONCE, () -> assertThrows(ConfigError.class, () -> ConfigLoader.load(file)));
        assertTrue(
            e.getMessage().startsWith(included + ": is ")
                && (e.getMessage().contains("more than the limit of 65536")
                    || e.getMessage().contains("is not a regular file")),
            e.getMessage());
      }
    }
  }

  @Test
  void aRelativeIncludeOfAGoodFileStillWorks() throws Exception {
    Files.writeString(
        dir.resolve("probes.conf"), "keepwatch.probes.port.address = \"127.0.0.1:8080\"\n");
    Path file = Files.writeString(dir.resolve("keepwatch.conf"), "include \"probes.conf\"\n");
    assertEquals(
        "127.0.0.1:8080",
        ConfigLoader.load(file).effective().getString("keepwatch.probes.port.address"));
  }

  @Test
  void includeUrlIsRefused() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("keepwatch.conf"), "include url(\"http://127.0.0.1:1/x.conf\")\n");
    ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(file));
    assertTrue(e.getMessage().contains("include url(...) refused"), e.getMessage());
  }

  /**
   * A plain include of a URL is a URL to Typesafe Config, and its reader has no limit: a FIFO named
   * by a file: URL blocked the load for good, a huge file was read whole.
   */
  @ParameterizedTest
  @CsvSource({"file:///dev/zero", "http://127.0.0.1:1/x.conf", "jar:file:/x.jar!/x.conf"})
  void aPlainIncludeOfAUrlIsRefused(String url) throws Exception {
    Path file = Files.writeString(dir.resolve("keepwatch.conf"), "include \"" + url + "\"\n");
    ConfigError e =
        assertTimeoutPreemptively(
            AT_ONCE, () -> assertThrows(ConfigError.class, () -> ConfigLoader.load(file)));
    assertTrue(e.getMessage().contains("include url(...) refused"), e.getMessage());
    assertTrue(e.getMessage().contains(url), e.getMessage());
  }
}
