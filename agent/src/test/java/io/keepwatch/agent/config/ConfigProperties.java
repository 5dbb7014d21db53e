package io.keepwatch.agent.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.ReadableReason;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;

/**
 * The config loader over generated files: any text, a valid file with random edits, and known keys
 * with values of every type. It loads, or fails with a {@link ConfigError} that names the file (and
 * key or line); never with anything else.
 */
class ConfigProperties {

  static final String VALID =
      """
          keepwatch {
            http.listen = "127.0.0.1:9523"
            nginx { pidfile = "/run/nginx.pid", restart = ["systemctl", "restart", "nginx"] }
            restart { max-attempts = 3, window = 5m, hold-vip = 1s }
            probes {
              port { address = "127.0.0.1:80", interval = 1s, fall = 2 }
              home { url = "http://127.0.0.1/healthz", expect-status = "200-299", expect-body = "ok" }
            }
            track-file.path = "/run/keepwatch/track"
          }
          """;

  static final String[] KEYS = {
    "http.listen",
    "control.socket",
    "control.group",
    "nginx.pidfile",
    "nginx.restart",
    "nginx.config-test",
    "restart.max-attempts",
    "restart.window",
    "restart.hold-vip",
    "restart.grace",
    "probes.port.address",
    "probes.port.interval",
    "probes.port.rise",
    "probes.home.url",
    "probes.home.expect-status",
    "probes.stub.critical",
    "probes.x.kind",
    "track-file.path",
    "track-file.up-value",
    "escalation.webhook",
    "keepalived.notify-fifo",
    "no.such.key"
  };

  static void loadsOrSaysWhere(String text) {
    try {
      ConfigLoader.parse(text, "fuzz.conf");
    } catch (ConfigError e) {
      ReadableReason.check(e.getMessage(), 1000);
      assertTrue(
          e.getMessage().contains("fuzz.conf"),
          "the error does not name the file: " + e.getMessage());
    }
  }

  @Property(tries = 1000)
  void anyTextLoadsOrSaysWhere(@ForAll @StringLength(max = 300) String text) {
    loadsOrSaysWhere(text);
  }

  @Provide
  Arbitrary<String> editedFiles() {
    Arbitrary<Character> junk =
        Arbitraries.oneOf(
            Arbitraries.chars().ascii(),
            Arbitraries.of(
                '{', '}', '[', ']', '"', '=', ':', ',', '$', '\n', '#', '\u0000', '\u00e9'));
    return Combinators.combine(
            Arbitraries.integers().between(0, VALID.length()),
            junk,
            Arbitraries.integers().between(0, 2))
        .as(
            (at, c, kind) ->
                switch (kind) {
                  case 0 -> VALID.substring(0, at) + c + VALID.substring(at);
                  case 1 ->
                      at < VALID.length()
                          ? VALID.substring(0, at) + VALID.substring(at + 1)
                          : VALID;
                  default ->
                      at < VALID.length()
                          ? VALID.substring(0, at) + c + VALID.substring(at + 1)
                          : VALID;
                });
  }

  @Property(tries = 1500)
  void editedFilesLoadOrSayWhere(@ForAll("editedFiles") String text) {
    loadsOrSaysWhere(text);
  }

  @Provide
  Arbitrary<String> values() {
    return Arbitraries.oneOf(
        Arbitraries.integers().between(-5, 100_000).map(String::valueOf),
        Arbitraries.of(
            "true",
            "null",
            "\"\"",
            "[]",
            "{}",
            "-1s",
            "0s",
            "1ms",
            "5m",
            "1.5",
            "\"1:2:3\"",
            "\"127.0.0.1:99999\"",
            "\"localhost:80\"",
            "\"relative/path\"",
            "[\"a\", 1]",
            "\"ftp://x/\"",
            "\"200-100\"",
            "\"http://[::1]:80/\"",
            "${keepwatch.http.listen}",
            "${?NOPE}",
            "\"\\u0000\""),
        Arbitraries.strings()
            .ofMaxLength(20)
            .map(s -> "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\""));
  }

  @Property(tries = 2000)
  void knownKeysWithAnyValueLoadOrSayWhere(
      @ForAll("keys") String key, @ForAll("values") String value) {
    loadsOrSaysWhere("keepwatch." + key + " = " + value + "\n");
  }

  @Provide
  Arbitrary<String> keys() {
    return Arbitraries.of(KEYS);
  }
}
