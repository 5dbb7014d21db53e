package io.keepwatch.agent.it;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's two commands on a fresh, minimal Debian 12: scripts/container/fresh-test boots one
 * (systemd as PID 1, nothing else installed), runs scripts/try-local with its printed demos and
 * Ctrl-C, then scripts/test, inside it (where this test skips: no container in a container).
 * Transcript: target/fresh-test.log, the inner suite's output beside it. Skips where this machine
 * cannot boot a container.
 */
@Timeout(value = 45, unit = TimeUnit.MINUTES)
class FreshContainerIT {

  @Test
  void theReadmesTwoCommandsOnAFreshMinimalDebian() throws Exception {
    ScriptRun.passOrSkip(
        Duration.ofMinutes(44), "scripts/container/fresh-test", "agent/target/fresh-test.log");
  }
}
