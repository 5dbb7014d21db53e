package io.keepwatch.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * systemd/keepwatch.service passes systemd-analyze verify (offline, with the launcher from this
 * tree).
 */
class SystemdUnitTest {

  static final Path UNIT = Path.of("../systemd/keepwatch.service").toAbsolutePath().normalize();
  static final Path LAUNCHER = Path.of("../scripts/keepwatch").toAbsolutePath().normalize();

  @Test
  void theUnitVerifiesCleanly(@TempDir Path dir) throws Exception {
    String unit = Files.readString(UNIT);
    assertTrue(unit.contains("ExecStart=/usr/bin/keepwatch run"), "the packaged path");
    // systemctl reload waits for the outcome; a clean stop (the JVM exits 143) is not a failure.
    assertTrue(unit.contains("ExecReload=/usr/bin/keepwatch reload"), "ExecReload");
    assertTrue(unit.contains("SuccessExitStatus=143"), "SuccessExitStatus");
    assertTrue(
        unit.contains("Type=notify")
            && unit.contains("WatchdogSec=")
            && unit.contains("RuntimeDirectory=keepwatch"));
    // verify checks that ExecStart and ExecReload exist: point them at this tree's launcher.
    Path copy = dir.resolve("keepwatch.service");
    Files.writeString(copy, unit.replace("=/usr/bin/keepwatch ", "=" + LAUNCHER + " "));
    Process verify =
        // --man=no: the man pages Documentation= names are installed by the package only (the
        // installed unit is verified with them, by DebPackageIT and
        // scripts/container/systemd-test).
        new ProcessBuilder("systemd-analyze", "verify", "--man=no", copy.toString())
            .redirectErrorStream(true)
            .start();
    assertTrue(verify.waitFor(60, TimeUnit.SECONDS));
    String said = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals("", said.strip(), "systemd-analyze verify findings");
    assertEquals(0, verify.exitValue());
  }
}
