package io.keepwatch.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.probing.HttpKind;
import io.keepwatch.agent.probing.ProcessKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigLoaderTest {

  @TempDir Path dir;

  private Path write(String text) throws IOException {
    Path file = dir.resolve("keepwatch.conf");
    Files.writeString(file, text);
    return file;
  }

  @Test
  void defaultsAreValidAndMatchTheDesign() throws ConfigError {
    AgentConfig c = ConfigLoader.defaults().config();
    assertEquals("127.0.0.1", c.httpListen().getHostString());
    assertEquals(9523, c.httpListen().getPort());
    assertEquals(Path.of("/run/keepwatch/keepwatch.sock"), c.controlSocket());
    assertEquals(List.of("nginx", "-t", "-q"), c.nginx().configTest());
    assertEquals(List.of("systemctl", "restart", "nginx"), c.nginx().restart());
    assertEquals(
        List.of("home", "port", "process", "stub"),
        c.probes().stream().map(ProbeSpec::name).toList());
    ProbeSpec process = c.probes().get(2);
    // The design's example says 200ms; since MasterWatch reads the master's state every 25 ms
    // between runs (and expedites the probe when it exits or stops), a full run every second
    // is enough and costs a fifth of the CPU (issue 15).
    assertEquals(Duration.ofSeconds(1), process.interval());
    assertEquals(Duration.ofMillis(100), process.timeout());
    assertEquals(new ProcessKind.Target(Path.of("/run/nginx.pid"), "nginx", 1), process.target());
    assertEquals(
        false, c.probes().get(3).critical(), "stub_status is reported, not judged, by default");
    assertEquals(3, c.restart().maxAttempts());
    assertTrue(c.trackFile().isEmpty());
    assertTrue(c.notifyFifo().isEmpty());
  }

  @Test
  void theDesignsExampleConfigLoads() throws Exception {
    Path file =
        write(
            """
                keepwatch {
                  http.listen = "127.0.0.1:9523"
                  control.socket = "/run/keepwatch/keepwatch.sock"
                  nginx {
                    pidfile = "/run/nginx.pid"
                    config-test = ["nginx", "-t", "-q"]
                    restart = ["systemctl", "restart", "nginx"]
                  }
                  probes {
                    process { kind = process, pidfile = "/run/nginx.pid", min-workers = 1,
                              interval = 200ms, timeout = 100ms, rise = 2, fall = 2, critical = true }
                    port    { kind = tcp, address = "127.0.0.1:80", interval = 200ms, timeout = 300ms }
                    home    { kind = http, url = "http://127.0.0.1/", expect-status = "200-399",
                              expect-body = "", interval = 1s, timeout = 1s }
                    stub    { kind = stub-status, url = "http://127.0.0.1/nginx_status", interval = 1s }
                  }
                  restart { enabled = true, max-attempts = 3, window = 5m, grace = 5s }
                  escalation { commands = [], sticky = false }
                  track-file { path = "", up-value = 1, down-value = 0 }
                  keepalived { notify-fifo = "" }
                }""");
    AgentConfig c = ConfigLoader.load(file).config();
    assertEquals(4, c.probes().size());
  }

  @Test
  void addsProbesSwitchesDefaultsOffAndInheritsKindDefaults() throws Exception {
    Path file =
        write(
            """
                keepwatch.nginx.pidfile = /var/run/nginx-custom.pid
                keepwatch.probe-defaults.tcp.fall = 3
                keepwatch.probes {
                  home = null
                  api { kind = http, url = "http://127.0.0.1:8080/healthz", host-header = api.example.test, expect-body = ok }
                  tls { kind = tcp, address = "[::1]:443" }
                }""");
    AgentConfig c = ConfigLoader.load(file).config();
    assertEquals(
        List.of("api", "port", "process", "stub", "tls"),
        c.probes().stream().map(ProbeSpec::name).toList());
    ProbeSpec api = c.probes().get(0);
    assertEquals(Duration.ofSeconds(1), api.interval());
    HttpKind.Target check = (HttpKind.Target) api.target();
    assertEquals("api.example.test", check.http().hostHeader());
    assertEquals("ok", check.expectBody());
    assertEquals(3, c.probes().get(4).fall(), "probe-defaults apply to every probe of the kind");
    assertEquals(
        Path.of("/var/run/nginx-custom.pid"),
        ((ProcessKind.Target) c.probes().get(2).target()).pidfile(),
        "the process probe follows nginx.pidfile");
  }

  static Stream<Arguments> mistakes() {
    return Stream.of(
        Arguments.of(
            "unknown top-level key",
            "keepwatch {\n  htp.listen = \"127.0.0.1:1\"\n}\n",
            ":2: keepwatch.htp: unknown key (did you mean 'http'?)"),
        Arguments.of(
            "unknown key outside keepwatch",
            "keepwach.http.listen = \"127.0.0.1:1\"\n",
            ":1: keepwach: unknown key (did you mean 'keepwatch'?)"),
        Arguments.of(
            "unknown probe key with suggestion",
            "keepwatch.probes {\n  port { kind = tcp\n    adress = \"127.0.0.1:80\" }\n}\n",
            ":3: keepwatch.probes.port.adress: unknown key (did you mean 'address'?)"),
        Arguments.of(
            "key of another kind",
            "keepwatch.probes.port { kind = tcp, url = \"http://127.0.0.1/\" }\n",
            ":1: keepwatch.probes.port.url: unknown key"),
        Arguments.of(
            "rise = 0",
            "keepwatch.probes.port.rise = 0\n",
            ":1: keepwatch.probes.port.rise: must be between 1 and 1000, got 0"),
        Arguments.of(
            "fall of wrong type",
            "\n\nkeepwatch.probes.port.fall = two\n",
            ":3: keepwatch.probes.port.fall: must be an integer, got \"two\""),
        Arguments.of(
            "bad duration",
            "keepwatch.probes.home.interval = 3x\n",
            ":1: keepwatch.probes.home.interval: bad duration \"3x\" (write e.g. 200ms, 1s, 5m)"),
        Arguments.of(
            "zero timeout",
            "keepwatch.probes.home.timeout = 0s\n",
            ":1: keepwatch.probes.home.timeout: must be from 50ms to 1m, got \"0s\""),
        Arguments.of(
            "address without port",
            "keepwatch.http.listen = \"127.0.0.1\"\n",
            ":1: keepwatch.http.listen: must be host:port, e.g. 127.0.0.1:80 or [::1]:80, got '127.0.0.1'"),
        Arguments.of(
            "port out of range",
            "keepwatch.probes.port.address = \"127.0.0.1:99999\"\n",
            ":1: keepwatch.probes.port.address: port must be between 1 and 65535, got 99999"),
        Arguments.of(
            "port 0 for a probe",
            "keepwatch.probes.port.address = \"127.0.0.1:0\"\n",
            ":1: keepwatch.probes.port.address: port must be between 1 and 65535, got 0"),
        Arguments.of(
            "unbracketed IPv6",
            "keepwatch.probes.port.address = \"::1:80\"\n",
            "(put an IPv6 address in brackets)"),
        Arguments.of(
            "relative pidfile",
            "keepwatch.nginx.pidfile = nginx.pid\n",
            ":1: keepwatch.nginx.pidfile: must be an absolute path, got 'nginx.pid'"),
        Arguments.of(
            "empty pidfile of a process probe",
            "keepwatch.probes.process.pidfile = \"\"\n",
            ":1: keepwatch.probes.process.pidfile: must be an absolute path, got ''"),
        Arguments.of(
            "missing kind",
            "keepwatch.probes.extra { address = \"127.0.0.1:80\" }\n",
            ":1: keepwatch.probes.extra.kind: missing; must be one of http, process, stub-status, tcp"),
        Arguments.of(
            "unknown kind",
            "keepwatch.probes.extra { kind = icmp }\n",
            ":1: keepwatch.probes.extra.kind: unknown kind \"icmp\"; must be one of"),
        Arguments.of(
            "probe that is not an object",
            "keepwatch.probes.extra = 5\n",
            ":1: keepwatch.probes.extra: must be an object like"),
        Arguments.of(
            "bad probe name",
            "keepwatch.probes { \"bad name\" { kind = tcp } }\n",
            "keepwatch.probes.\"bad name\": probe names may hold only letters"),
        Arguments.of(
            "bad URL scheme",
            "keepwatch.probes.home.url = \"ftp://127.0.0.1/\"\n",
            ":1: keepwatch.probes.home.url: URL 'ftp://127.0.0.1/' must start with http:// or https://"),
        Arguments.of(
            "bad status range",
            "keepwatch.probes.home.expect-status = \"2xx\"\n",
            ":1: keepwatch.probes.home.expect-status: status range '2xx' must be a code like 200 or a range like 200-399"),
        Arguments.of(
            "unknown on-failure",
            "keepwatch.probes.home.on-failure = retry\n",
            ":1: keepwatch.probes.home.on-failure: must be auto, restart, failover or report, got"
                + " 'retry'"),
        Arguments.of(
            "agent-gone-after beyond the 5 s bound",
            "keepwatch.keepalived.agent-gone-after = 10s\n",
            ":1: keepwatch.keepalived.agent-gone-after: must be from 1s to 4s, got 10000 ms"),
        Arguments.of(
            "track-process longer than the kernel keeps",
            "keepwatch.keepalived.track-process = keepwatch-on-node-one\n",
            ":1: keepwatch.keepalived.track-process: must be a process name of at most 15"),
        Arguments.of(
            "a VIP given as a name",
            "keepwatch.keepalived.vips = [\"vip.example.com\"]\n",
            ":1: keepwatch.keepalived.vips: must hold IP addresses, got 'vip.example.com'"),
        Arguments.of(
            "a degraded value that lowers nothing",
            "keepwatch.track-file { path = /run/t, degraded-path = /run/d, degraded-value = 0 }\n",
            ":1: keepwatch.track-file.degraded-value:"),
        Arguments.of(
            "empty restart argv",
            "keepwatch.nginx.restart = []\n",
            ":1: keepwatch.nginx.restart: must name a program, got an empty list"),
        Arguments.of(
            "restart as a shell string",
            "keepwatch.nginx.restart = \"systemctl restart nginx\"\n",
            ":1: keepwatch.nginx.restart: must be a list of strings (argv), got \"systemctl restart nginx\""),
        Arguments.of(
            "escalation command not a list",
            "keepwatch.escalation.commands = [\"systemctl stop keepalived\"]\n",
            ":1: keepwatch.escalation.commands[0]: must be an argv list such as"),
        Arguments.of(
            "no critical probe",
            "keepwatch.probes { process = null, port = null, home = null }\n",
            "keepwatch.probes: no critical probe"),
        Arguments.of(
            "null where a value is needed",
            "keepwatch.probes.port.rise = null\n",
            ":1: keepwatch.probes.port.rise: must be an integer, not null"),
        Arguments.of(
            "missing closing brace, said in words (was: \"expecting a close parentheses ')'\")",
            "keepwatch {\n  probes {\n    port { address = \"127.0.0.1:80\" }\n",
            ":4: the file ends while the '{' opened on line 2 is still open: a closing '}' is missing"),
        Arguments.of(
            "missing closing bracket",
            "keepwatch {\n  nginx.restart = [\"a\",\n",
            "the file ends while the '[' opened on line 2 is still open: a closing ']' is missing"),
        Arguments.of(
            "one closing brace too many",
            "keepwatch {\n  http.listen = \"127.0.0.1:1\"\n}\n}\n",
            ":4: this '}' closes nothing: there is one '}' too many here, or a '{' missing above"),
        Arguments.of(
            "http.listen off loopback (keepwatch-check asks 127.0.0.1)",
            "keepwatch.http.listen = \"192.0.2.1:9523\"\n",
            ":1: keepwatch.http.listen: must be a loopback address such as 127.0.0.1:9523"),
        Arguments.of(
            "control socket path longer than sun_path",
            "keepwatch.control.socket = \"/run/" + "k".repeat(110) + ".sock\"\n",
            ":1: keepwatch.control.socket: too long for a unix socket: 120 bytes, at most 107"),
        Arguments.of(
            "network listener on http.listen's port for every address",
            "keepwatch.network.listen = [\"0.0.0.0:9523\"]\n",
            ":1: keepwatch.network.listen: 0.0.0.0:9523 would take http.listen's port (9523)"),
        Arguments.of(
            "network listener serving /check",
            "keepwatch.network.serve = [\"/metrics\", \"/check\"]\n",
            ":1: keepwatch.network.serve: cannot serve '/check' to the network"),
        Arguments.of(
            "web config that does not exist",
            "keepwatch.network.web-config = \"/nonexistent/web.yml\"\n",
            ":1: keepwatch.network.web-config: /nonexistent/web.yml: no such file"),
        Arguments.of(
            "max-attempts 0",
            "keepwatch.restart.max-attempts = 0\n",
            ":1: keepwatch.restart.max-attempts: must be between 1 and 1000, got 0"),
        Arguments.of(
            "relative track file",
            "keepwatch.track-file.path = \"track\"\n",
            ":1: keepwatch.track-file.path: must be an absolute path, got 'track'"),
        // += appends to a list, and the default address is a string: Typesafe Config's error
        // names reference.conf, where the default is (ConfigProperties found it).
        Arguments.of(
            "+= on a default that is not a list",
            "keepwatch.probes.port.address += \"127.0.0.1:81\"\n",
            ": this file's += or ${...} cannot combine with keepwatch's default at "));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mistakes")
  void mistakesAreOneLineNamingFileLineAndKey(String name, String text, String expected)
      throws IOException {
    Path file = write(text);
    ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(file));
    assertTrue(e.getMessage().startsWith(file.toString()), () -> "message: " + e.getMessage());
    assertTrue(
        e.getMessage().contains(expected),
        () -> "message: " + e.getMessage() + "\nexpected it to contain: " + expected);
    assertEquals(1, e.getMessage().lines().count(), "one line");
  }

  @Test
  void everyMistakeOfAFileIsReportedInOnePass() throws IOException {
    Path file =
        write(
            """
            keepwatch {
              restart.max-attempts = 0
              probes.port.adress = "127.0.0.1:80"
              probes.home.interval = 3x
              escalation.webhook = "ftp://example"
              probes.extra { kind = icmp }
              probes.port { rise = 0, fall = 0 }
            }
            """);
    ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(file));
    List<String> found = e.all().stream().map(ConfigError::getMessage).sorted().toList();
    assertEquals(
        List.of(
            file + ":2: keepwatch.restart.max-attempts: must be between 1 and 1000, got 0",
            file + ":3: keepwatch.probes.port.adress: unknown key (did you mean 'address'?)",
            file
                + ":4: keepwatch.probes.home.interval: bad duration \"3x\" (write e.g. 200ms, 1s,"
                + " 5m)",
            file
                + ":5: keepwatch.escalation.webhook: must be an http:// or https:// URL, got"
                + " 'ftp://example'",
            file
                + ":6: keepwatch.probes.extra.kind: unknown kind \"icmp\"; must be one of http,"
                + " process, stub-status, tcp",
            file + ":7: keepwatch.probes.port.fall: must be between 1 and 1000, got 0",
            file + ":7: keepwatch.probes.port.rise: must be between 1 and 1000, got 0"),
        found);
  }

  @Test
  void missingFileIsAnError() {
    ConfigError e =
        assertThrows(ConfigError.class, () -> ConfigLoader.load(dir.resolve("nope.conf")));
    assertEquals(dir.resolve("nope.conf") + ": no such file", e.getMessage());
  }

  @Test
  void renderedEffectiveConfigLoadsAgainToTheSameRecords() throws Exception {
    ConfigLoader.Loaded loaded =
        ConfigLoader.load(write("keepwatch.probes.port.address = \"127.0.0.1:8080\"\n"));
    Path again = dir.resolve("effective.conf");
    Files.writeString(again, loaded.render());
    AgentConfig reloaded = ConfigLoader.load(again).config();
    assertEquals(loaded.config().probes(), reloaded.probes());
  }
}
