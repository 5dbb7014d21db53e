package io.keepwatch.agent.it;

import static io.keepwatch.agent.Commands.ok;
import static io.keepwatch.agent.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.keepwatch.agent.Commands.Result;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The RPM that {@code mvn package} built, checked with the tools this machine has: rpmlint, rpm's
 * queries, its scriptlets run against a recording {@code systemctl}, and an install with {@code rpm
 * --root} into a temporary root (no EL repositories here: {@code --nodeps}) whose files are the
 * .deb's, byte for byte, but for the documented per-format ones (packaging/contents). Skips where
 * rpmbuild is not installed (mvn package then builds no RPM); the install needs root.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RpmPackageIT {

  static final Path TARGET = Path.of("target");

  /** Files only one of the two packages has: everything else must be the same in both. */
  static final Set<String> DEB_ONLY =
      Set.of(
          "/lib/systemd/system/keepwatch.service",
          "/usr/share/doc/keepwatch/changelog.gz",
          "/usr/share/doc/keepwatch/copyright");

  static final Set<String> RPM_ONLY =
      Set.of("/usr/lib/systemd/system/keepwatch.service", "/usr/share/licenses/keepwatch/LICENSE");

  /**
   * rpmlint warnings that cannot be fixed, each justified in packaging/README.md: a systemd unit
   * must be in /usr/lib (rpmlint would have a noarch package put it in /usr/share); rpmlint 2.4.0
   * collects man page sections instead of names, so every binary lacks a page (keepwatch(8) and
   * keepwatch-check(8) are there); erase removes /run/keepwatch, the agent's runtime state.
   */
  static final Set<String> JUSTIFIED_WARNINGS =
      Set.of(
          "only-non-binary-in-usr-lib",
          "no-manual-page-for-binary keepwatch",
          "no-manual-page-for-binary keepwatch-check",
          "dangerous-command-in-%postun rm");

  final String version = System.getProperty("keepwatch.version");
  Path rpm;

  @BeforeEach
  void theRpmMvnPackageBuilt() throws Exception {
    rpm = rpm();
  }

  /** The RPM in target/; skips the test where rpmbuild is missing (then mvn package built none). */
  static Path rpm() throws IOException, InterruptedException {
    try (Stream<Path> files = Files.list(TARGET)) {
      List<Path> rpms =
          files.filter(f -> f.getFileName().toString().matches("keepwatch-.*\\.rpm")).toList();
      if (rpms.isEmpty()) {
        Assumptions.assumeTrue(
            run("sh", "-c", "command -v rpmbuild").exitCode() == 0,
            "rpmbuild is not installed, so mvn package built no RPM (scripts/test installs rpm)");
        fail("rpmbuild is installed but mvn package built no RPM in " + TARGET.toAbsolutePath());
      }
      assertEquals(1, rpms.size(), "exactly one keepwatch RPM in target/: " + rpms);
      return rpms.get(0);
    }
  }

  @Test
  void isNamedAsElToolingExpects() throws Exception {
    assertEquals("keepwatch-" + version + "-1.noarch.rpm", rpm.getFileName().toString());
    assertEquals(
        "keepwatch " + version + " 1 noarch",
        query("%{NAME} %{VERSION} %{RELEASE} %{ARCH}").strip());
    // The %changelog comes from packaging/debian/changelog: its top entry is this version's.
    String changelog = ok("rpm", "-qp", "--changelog", rpm.toString()).output();
    assertTrue(
        changelog.lines().findFirst().orElse("").endsWith("> - " + version + "-1"), changelog);
  }

  @Test
  void rpmlintFindsNoErrorAndOnlyJustifiedWarnings() throws Exception {
    Assumptions.assumeTrue(
        run("sh", "-c", "command -v rpmlint").exitCode() == 0,
        "rpmlint is not installed (scripts/test installs it)");
    Result lint = run("rpmlint", "-c", "../packaging/rpm/rpmlint.toml", rpm.toString());
    System.out.println("rpmlint -c packaging/rpm/rpmlint.toml " + rpm + "\n" + lint.output());
    List<String> errors = findings(lint, "E");
    assertEquals(List.of(), errors, "rpmlint errors");
    Set<String> unjustified = new TreeSet<>(findings(lint, "W"));
    unjustified.removeAll(JUSTIFIED_WARNINGS);
    assertEquals(Set.of(), unjustified, "rpmlint warnings not justified in packaging/README.md");
    assertEquals(0, lint.exitCode(), lint.output());
  }

  static List<String> findings(Result lint, String level) {
    String prefix = "keepwatch.noarch: " + level + ": ";
    return lint.output()
        .lines()
        .filter(l -> l.startsWith(prefix))
        .map(l -> l.substring(prefix.length()).strip())
        .toList();
  }

  @Test
  void requiresAJava17RuntimeByElsNamesBashAndSystemd() throws Exception {
    assertEquals(
        Set.of(
            "java-headless >= 1:17",
            "bash",
            "systemd",
            // rpmbuild's own: the scripts' interpreters, the scriptlets' shell, the conffile
            "/bin/bash",
            "/bin/sh",
            "config(keepwatch) = " + version + "-1"),
        lines("--requires").stream()
            .filter(l -> !l.startsWith("rpmlib("))
            .collect(Collectors.toSet()));
    // The rpm features the package needs: all there since rpm 4.6, so EL 8's rpm 4.14 reads it.
    assertEquals(
        Set.of(
            "rpmlib(CompressedFileNames) <= 3.0.4-1",
            "rpmlib(FileDigests) <= 4.6.0-1",
            "rpmlib(PayloadFilesHavePrefix) <= 4.0-1"),
        lines("--requires").stream()
            .filter(l -> l.startsWith("rpmlib("))
            .collect(Collectors.toSet()));
    assertEquals(Set.of("java-17-openjdk-headless"), lines("--suggests"));
    assertEquals(Set.of("nginx", "keepalived"), lines("--recommends"));
  }

  @Test
  void keepsTheAdminsConfigAndMarksTheLicence() throws Exception {
    assertEquals(Set.of("/etc/keepwatch/keepwatch.conf"), lines("--configfiles"));
    // c: %config, n: noreplace (an upgrade keeps the admin's file, the new one as .rpmnew)
    assertTrue(
        query("[%{FILEFLAGS:fflags} %{FILENAMES}\n]")
            .lines()
            .anyMatch("cn /etc/keepwatch/keepwatch.conf"::equals),
        "keepwatch.conf is not %config(noreplace)");
    assertEquals(Set.of("/usr/share/licenses/keepwatch/LICENSE"), lines("--licensefiles"));
    Set<String> docs = lines("--docfiles");
    assertTrue(docs.contains("/usr/share/man/man8/keepwatch.8.gz"), docs.toString());
    assertTrue(docs.contains("/usr/share/doc/keepwatch/README.md"), docs.toString());
  }

  /**
   * Each scriptlet runs with the $1 rpm gives it, in a shell where {@code systemctl} and {@code rm}
   * only say what they were asked (and nothing else is on PATH): what EL's %systemd_post,
   * %systemd_preun and %systemd_postun_with_restart do, without the preset.
   */
  @Test
  void scriptletsHaveTheSemanticsOfElsSystemdMacros() throws Exception {
    // A first install neither enables nor starts keepwatch.
    assertEquals("systemctl daemon-reload", scriptlet("POSTIN", 1));
    // An upgrade: the new package's %post, the old package's %preun and %postun. The agent is
    // not stopped while the files change, and restarted once (only if it runs) at the end.
    assertEquals("systemctl daemon-reload", scriptlet("POSTIN", 2));
    assertEquals("", scriptlet("PREUN", 1));
    assertEquals(
        "systemctl daemon-reload\nsystemctl try-restart keepwatch.service", scriptlet("POSTUN", 1));
    // Erase: stopped and disabled, systemd forgets the unit, the runtime state goes.
    assertEquals("systemctl --no-reload disable --now keepwatch.service", scriptlet("PREUN", 0));
    assertEquals("systemctl daemon-reload\nrm -rf /run/keepwatch", scriptlet("POSTUN", 0));
    assertEquals("", query("%{PRETRANS}%{PREIN}%{POSTTRANS}").replace("(none)", ""));
  }

  String scriptlet(String tag, int count) throws Exception {
    String body = query("%{" + tag + "}");
    // On fd 3: the scriptlets send systemctl's own output to /dev/null.
    String recording =
        """
        exec 3>&1
        systemctl() { echo "systemctl $*" >&3; }
        rm() { echo "rm $*" >&3; }
        PATH=/nonexistent
        """;
    Result r = run("sh", "-c", recording + body, "scriptlet", Integer.toString(count));
    assertEquals(0, r.exitCode(), tag + " with $1 = " + count + " failed:\n" + r.output());
    return r.output().strip();
  }

  @Test
  void installsIntoATemporaryRootWithTheDebsFiles(@TempDir Path tmp) throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")), "rpm -i sets owners: it needs root");
    Path root = tmp.resolve("root");
    // --noscripts: the scriptlets are run above (a bare root has no /bin/sh to run them).
    rpmIn(root, "-i", "--nodeps", "--noscripts", rpm.toString());
    assertTrue(
        rpmIn(root, "-V", "--nodeps", "keepwatch").output().isBlank(),
        "rpm -V: the installed files differ from the package's");
    Path debTree = tmp.resolve("deb");
    ok("dpkg-deb", "-x", DebPackageIT.deb().toString(), debTree.toString());

    Map<String, String> fromRpm = files(root);
    fromRpm.keySet().removeIf(p -> p.startsWith("/var/lib/rpm/"));
    Map<String, String> fromDeb = files(debTree);
    // Both units come from systemd/keepwatch.service: the same bytes, at each format's path.
    assertEquals(
        fromDeb.get("/lib/systemd/system/keepwatch.service"),
        fromRpm.get("/usr/lib/systemd/system/keepwatch.service"));
    assertTrue(fromRpm.keySet().containsAll(RPM_ONLY), fromRpm.keySet().toString());
    assertTrue(fromDeb.keySet().containsAll(DEB_ONLY), fromDeb.keySet().toString());
    fromRpm.keySet().removeAll(RPM_ONLY);
    fromDeb.keySet().removeAll(DEB_ONLY);
    assertEquals("", differences(fromDeb, fromRpm), "the .deb's files and the RPM's");
  }

  /** rpm with ARGS on the rpm database of the installation in ROOT. */
  static Result rpmIn(Path root, String... args) throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>(List.of("rpm", "--root", root.toString()));
    argv.addAll(List.of("--dbpath", "/var/lib/rpm"));
    argv.addAll(List.of(args));
    return ok(argv.toArray(String[]::new));
  }

  /** One line per path that only one side has, or that differs in mode or content. */
  static String differences(Map<String, String> deb, Map<String, String> rpm) {
    Set<String> paths = new TreeSet<>(deb.keySet());
    paths.addAll(rpm.keySet());
    return paths.stream()
        .filter(p -> !Objects.equals(deb.get(p), rpm.get(p)))
        .map(p -> p + ": .deb " + deb.get(p) + ", RPM " + rpm.get(p))
        .collect(Collectors.joining("\n"));
  }

  /** Every regular file below TOP, as its absolute path in the package -> "MODE SHA256". */
  static Map<String, String> files(Path top) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(top)) {
      for (Path f : walk.filter(Files::isRegularFile).toList()) {
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(f));
        files.put("/" + top.relativize(f), mode + " " + sha256(f));
      }
    }
    return files;
  }

  static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[65536];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
  }

  String query(String format) throws Exception {
    return ok("rpm", "-qp", "--qf", format, rpm.toString()).output();
  }

  Set<String> lines(String query) throws Exception {
    return ok("rpm", "-qp", query, rpm.toString())
        .output()
        .lines()
        .map(String::strip)
        .collect(Collectors.toCollection(TreeSet::new));
  }
}
