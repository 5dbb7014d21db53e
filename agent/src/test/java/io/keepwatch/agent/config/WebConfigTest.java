package io.keepwatch.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Commands;
import io.keepwatch.agent.TestTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exporter-toolkit web config: what keepwatch honours, and what it refuses with file:line. */
class WebConfigTest {

  @TempDir Path dir;
  TestTls tls;

  @BeforeEach
  void certificates() throws Exception {
    tls = TestTls.make(dir, "server");
  }

  Path write(String text) throws Exception {
    return Files.writeString(dir.resolve("web.yml"), text);
  }

  @Test
  void readsTlsAndUsersWithPathsRelativeToTheFile() throws Exception {
    String hash = TestTls.htpasswd("secret");
    Path file =
        write(
            "tls_server_config:\n"
                + "  cert_file: server.crt\n"
                + "  key_file: server.key\n"
                + "  min_version: TLS13\n"
                + "basic_auth_users:\n"
                + "  prometheus: "
                + hash
                + "\n");
    WebConfig web = WebConfig.read(file);
    assertEquals(tls.cert(), web.tls().orElseThrow().certFile());
    assertEquals(List.of("TLSv1.3"), web.tls().orElseThrow().protocols());
    assertEquals(hash, web.users().get("prometheus"));
    if (Files.exists(Path.of("/usr/bin/promtool"))) {
      // Prometheus's own checker accepts the same file: it is the toolkit's format.
      Commands.ok("/usr/bin/promtool", "check", "web-config", file.toString());
    }
  }

  @Test
  void anEmptyFileMeansPlainHttpWithoutAuthentication() throws Exception {
    WebConfig web = WebConfig.read(write(""));
    assertTrue(web.tls().isEmpty() && web.users().isEmpty());
  }

  @Test
  void whatKeepwatchCannotHonourIsRefusedWithFileAndLine() throws Exception {
    Path file =
        write(
            """
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
              cipher_suites: [TLS_AES_128_GCM_SHA256]
              client_auth_type: RequireAndVerifyClientCert
              min_version: TLS10
            http_server_config:
              http2: false
            basic_auth_users:
              alice: plaintext
            extra: 1
            """);
    ConfigError e = assertThrows(ConfigError.class, () -> WebConfig.read(file));
    List<String> found = e.all().stream().map(ConfigError::getMessage).sorted().toList();
    assertEquals(
        List.of(
            file
                + ":10: basic_auth_users.alice: not a bcrypt hash ($2y$10$ and 53 more"
                + " characters); make one with: htpasswd -nBC 10 \"\" | tr -d ':\\n'",
            file
                + ":11: extra: unknown key; a web config has tls_server_config and basic_auth_users",
            file
                + ":4: tls_server_config.cipher_suites: not supported by keepwatch: keepwatch uses"
                + " Java's default suites for the chosen TLS versions",
            file
                + ":5: tls_server_config.client_auth_type: RequireAndVerifyClientCert needs"
                + " client_ca_file",
            file
                + ":6: tls_server_config.min_version: TLS10 is disabled in Java 17"
                + " (jdk.tls.disabledAlgorithms); use TLS12 or TLS13",
            file
                + ":8: http_server_config: not supported: keepwatch serves HTTP/1.1 and sets no"
                + " extra headers; remove it"),
        found);
  }

  @Test
  void aPkcs1KeyIsRefusedWithTheCommandThatConvertsIt() throws Exception {
    Path pkcs1 = dir.resolve("old.key");
    Commands.ok(
        "openssl", "rsa", "-in", tls.key().toString(), "-traditional", "-out", pkcs1.toString());
    Path file = write("tls_server_config:\n  cert_file: server.crt\n  key_file: old.key\n");
    ConfigError e = assertThrows(ConfigError.class, () -> WebConfig.read(file));
    assertEquals(
        file
            + ":3: tls_server_config.key_file: "
            + pkcs1
            + " is a PKCS#1/SEC1 key, which Java"
            + " cannot read; convert it: openssl pkcs8 -topk8 -nocrypt -in "
            + pkcs1
            + " -out "
            + pkcs1
            + ".pk8",
        e.getMessage());
  }

  @Test
  void aKeyThatIsNotTheCertificatesIsRefused() throws Exception {
    TestTls other = TestTls.make(dir.resolve("other"), "other");
    Path file =
        write("tls_server_config:\n  cert_file: server.crt\n  key_file: " + other.key() + "\n");
    ConfigError e = assertThrows(ConfigError.class, () -> WebConfig.read(file));
    assertEquals(
        file
            + ":2: tls_server_config: "
            + other.key()
            + " is not the key of the certificate in "
            + tls.cert(),
        e.getMessage());
  }

  @Test
  void brokenYamlSaysWhere() throws Exception {
    Path file = write("basic_auth_users:\n  alice: [unclosed\n");
    ConfigError e = assertThrows(ConfigError.class, () -> WebConfig.read(file));
    assertTrue(e.getMessage().startsWith(file + ":"), e.getMessage());
    assertTrue(e.getMessage().contains("not valid YAML"), e.getMessage());
  }
}
