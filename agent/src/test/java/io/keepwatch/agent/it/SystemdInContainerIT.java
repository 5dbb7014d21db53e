package io.keepwatch.agent.it;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The .deb under a real systemd: scripts/container/systemd-test boots a Debian 12 container with
 * systemd as PID 1 and proves install, READY, STATUS, reload, the watchdog, nginx restarts under
 * the unit's hardening, a clean stop, an upgrade and a purge (its header lists each step). Its
 * transcript, with the unit's journal, is target/systemd-test.log. Skips where this machine cannot
 * boot a container (not root, inside the fresh-test container, nspawn refused).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SystemdInContainerIT {

  @Test
  void thePackageUnderARealSystemd() throws Exception {
    ScriptRun.passOrSkip(
        Duration.ofMinutes(9),
        "scripts/container/systemd-test",
        DebPackageIT.deb().toAbsolutePath().toString(),
        "agent/target/systemd-test.log");
  }
}
