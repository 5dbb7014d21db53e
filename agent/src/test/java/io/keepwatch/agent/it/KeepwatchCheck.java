package io.keepwatch.agent.it;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs scripts/keepwatch-check, as keepalived would, and returns its exit code. */
final class KeepwatchCheck {

  static final Path SCRIPT = Path.of("../scripts/keepwatch-check").toAbsolutePath().normalize();

  private KeepwatchCheck() {}

  /**
   * @param port the agent's HTTP port
   * @param lease the lease file it trusts when the agent cannot be reached (the test's own, so a
   *     lease of some agent on this machine never decides a test)
   */
  static int run(int port, Path lease, String... args) throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    argv.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true);
    builder.environment().put("KEEPWATCH_CHECK_PORT", Integer.toString(port));
    builder.environment().put("KEEPWATCH_CHECK_LEASE", lease.toString());
    Process process = builder.start();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("keepwatch-check did not finish in 10 s");
    }
    return process.exitValue();
  }
}
