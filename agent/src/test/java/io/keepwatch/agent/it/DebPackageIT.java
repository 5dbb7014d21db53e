package io.keepwatch.agent.it;

import static io.keepwatch.agent.Commands.ok;
import static io.keepwatch.agent.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Commands.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Installs the .deb that {@code mvn package} built with the real dpkg, runs what it installed, and
 * purges it again. Runs after package (failsafe), as root only (CI is root), and never touches a
 * keepwatch package that was installed before the test.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DebPackageIT {

  static final Path TARGET = Path.of("target");

  boolean installedByTest;

  static Path deb() throws IOException {
    try (Stream<Path> files = Files.list(TARGET)) {
      List<Path> debs =
          files.filter(f -> f.getFileName().toString().matches("keepwatch_.*_all\\.deb")).toList();
      assertEquals(1, debs.size(), "exactly one keepwatch .deb in target/: " + debs);
      return debs.get(0);
    }
  }

  @BeforeEach
  void onlyAsRootAndOnlyOnAMachineWithoutKeepwatch() throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")), "dpkg -i needs root (CI runs as root)");
    Result query = run("dpkg-query", "-W", "-f=${Status}", "keepwatch");
    Assumptions.assumeFalse(
        query.output().contains("install ok installed"),
        "a keepwatch package is installed on this machine; the test leaves it alone");
  }

  @AfterEach
  void purge() throws Exception {
    if (installedByTest) {
      ok("dpkg", "--purge", "keepwatch");
    }
  }

  @Test
  void installsRunsAndPurges() throws Exception {
    Path deb = deb();
    // One version everywhere: the build's, the package's, the changelog's, the jar's.
    String version = System.getProperty("keepwatch.version");
    assertEquals(version, ok("dpkg-deb", "--field", deb.toString(), "Version").output().strip());
    String changelog = Files.readAllLines(Path.of("../packaging/debian/changelog")).get(0);
    assertTrue(
        changelog.startsWith("keepwatch (" + version + ") "),
        "packaging/debian/changelog's top entry is not " + version + ": " + changelog);
    assertEquals("all", ok("dpkg-deb", "--field", deb.toString(), "Architecture").output().strip());

    ok("dpkg", "-i", deb.toString());
    installedByTest = true;

    assertEquals("keepwatch " + version, ok("/usr/bin/keepwatch", "version").output().strip());

    // The conffile as shipped is valid, and config check reads it by default.
    Result check = ok("/usr/bin/keepwatch", "config", "check");
    assertTrue(check.output().contains("/etc/keepwatch/keepwatch.conf"), check.output());
    assertTrue(
        ok("dpkg-query", "-W", "-f=${Conffiles}", "keepwatch")
            .output()
            .contains("/etc/keepwatch/keepwatch.conf"));

    // keepwatch-check with no agent listening: non-zero, at once, no JVM started.
    Result unreachable = run("/usr/bin/keepwatch-check");
    assertFalse(
        unreachable.exitCode() == 0,
        "keepwatch-check passed with no agent:\n" + unreachable.output());

    // The unit as installed, with the paths and the man pages it names present (verify runs man).
    ok("systemd-analyze", "verify", "/lib/systemd/system/keepwatch.service");
    for (String page : List.of("keepwatch", "keepwatch-check", "keepwatch.conf")) {
      assertTrue(ok("man", "-w", page).output().contains("/usr/share/man/"), page);
    }
    for (String installed :
        List.of(
            "/usr/share/keepwatch/keepwatch.jar",
            "/usr/share/keepwatch/nginx-hard-restart",
            "/usr/share/doc/keepwatch/copyright",
            "/usr/share/doc/keepwatch/changelog.gz",
            "/usr/share/doc/keepwatch/examples/keepalived/README.md",
            "/usr/share/doc/keepwatch/examples/keepalived/track-file-master.conf",
            "/usr/share/doc/keepwatch/examples/keepalived/vrrp-script-backup.conf")) {
      assertTrue(Files.isRegularFile(Path.of(installed)), installed + " not installed");
    }
    assertTrue(Files.isExecutable(Path.of("/usr/share/keepwatch/nginx-hard-restart")));

    ok("dpkg", "--purge", "keepwatch");
    installedByTest = false;
    assertFalse(Files.exists(Path.of("/usr/bin/keepwatch")), "purge left /usr/bin/keepwatch");
    assertFalse(Files.exists(Path.of("/etc/keepwatch/keepwatch.conf")), "purge left the conffile");
  }
}
