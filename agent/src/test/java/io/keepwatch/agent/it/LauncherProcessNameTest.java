package io.keepwatch.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * scripts/keepwatch names the agent's process through a link to java: a name of 15 characters (the
 * kernel's limit for /proc/PID/comm, and the lab's "keepwatch-node1") is taken, 16 refused.
 * -version in KEEPWATCH_JAVA_OPTS makes java print its version and exit instead of running the
 * agent.
 */
class LauncherProcessNameTest {

  static final Path LAUNCHER = Path.of("../scripts/keepwatch").toAbsolutePath().normalize();

  record Run(int exitCode, String output) {}

  static Run launch(String processName) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(LAUNCHER.toString(), "run").redirectErrorStream(true);
    pb.environment().put("KEEPWATCH_PROCESS_NAME", processName);
    pb.environment().put("KEEPWATCH_JAVA_OPTS", "-version");
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher hung");
    return new Run(p.exitValue(), output);
  }

  @Test
  void aNameOfFifteenCharactersIsTheProcessName() throws Exception {
    Run run = launch("keepwatch-node1");
    assertEquals(0, run.exitCode(), run.output());
    Path link = Path.of("target", "bin", "keepwatch-node1");
    assertTrue(Files.isSymbolicLink(link), link + " missing: " + run.output());
  }

  @Test
  void aNameOfSixteenCharactersIsRefused() throws Exception {
    Run run = launch("keepwatch-node12");
    assertEquals(64, run.exitCode(), run.output());
    assertTrue(run.output().contains("at most 15 characters"), run.output());
  }
}
