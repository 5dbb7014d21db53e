package io.keepwatch.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/keepwatch names the agent's process through a link to java: a name of 15 characters (the
 * kernel's limit for /proc/PID/comm, and the lab's "keepwatch-node1") is taken, 16 refused.
 * -version in KEEPWATCH_JAVA_OPTS makes java print its version and exit instead of running the
 * agent.
 */
class LauncherProcessNameIT {

  static final Path LAUNCHER = Path.of("../scripts/keepwatch").toAbsolutePath().normalize();

  record Run(int exitCode, String output) {}

  static Run launch(String processName) throws Exception {
    return launch(LAUNCHER, Map.of("KEEPWATCH_PROCESS_NAME", processName));
  }

  /** The launcher's "run" with java -version in place of the agent; output through a file. */
  static Run launch(Path launcher, Map<String, String> env) throws Exception {
    Path output = Files.createTempFile("launcher", ".out");
    try {
      ProcessBuilder pb =
          new ProcessBuilder(launcher.toString(), "run")
              .redirectErrorStream(true)
              .redirectOutput(output.toFile());
      pb.environment().put("KEEPWATCH_JAVA_OPTS", "-version");
      pb.environment().putAll(env);
      Process p = pb.start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("the launcher hung");
      }
      return new Run(p.exitValue(), Files.readString(output));
    } finally {
      Files.deleteIfExists(output);
    }
  }

  /**
   * The JVM splits -XX:OnOutOfMemoryError at ';' and expands '%': from such a path the dying JVM
   * ran a broken command and the track file kept saying 1. The launcher must say so instead.
   */
  @Test
  void aPathTheJvmCannotPassToItsHooksIsSaid(@TempDir Path dir) throws Exception {
    Path odd = Files.createDirectories(dir.resolve("a;b").resolve("scripts"));
    Path launcher = Files.copy(LAUNCHER, odd.resolve("keepwatch"));
    Run run =
        launch(
            launcher,
            Map.of(
                "KEEPWATCH_JAR",
                Path.of("target", "keepwatch.jar").toAbsolutePath().toString(),
                "RUNTIME_DIRECTORY",
                Files.createDirectories(dir.resolve("run")).toString()));
    assertEquals(0, run.exitCode(), run.output());
    assertTrue(run.output().contains("will not write the track file's down value"), run.output());
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
