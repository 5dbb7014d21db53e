package io.keepwatch.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs one of the repository's test scripts (scripts/container/...) as a test: its output goes to
 * the test's output line by line as it comes (they are long, and say what they do), exit 0 passes,
 * 77 skips with the reason the script gave on its last line, anything else fails.
 */
final class ScriptRun {

  static final Path TOP = Path.of("..").toAbsolutePath().normalize();

  /** The exit code by which a script says this machine cannot run it (as automake's tests do). */
  static final int SKIP = 77;

  private ScriptRun() {}

  static void passOrSkip(Duration timeout, String... argv)
      throws IOException, InterruptedException {
    Process p = new ProcessBuilder(argv).directory(TOP.toFile()).redirectErrorStream(true).start();
    AtomicReference<String> last = new AtomicReference<>("");
    Thread echo =
        new Thread(
            () -> {
              try (BufferedReader out =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                  System.out.println(line);
                  last.set(line);
                }
              } catch (IOException e) {
                last.set("reading the script's output failed: " + e);
              }
            },
            "script-output");
    echo.setDaemon(true);
    echo.start();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroy(); // SIGTERM: the script's EXIT trap stops what it started
      p.waitFor(60, TimeUnit.SECONDS);
      throw new AssertionError(String.join(" ", argv) + " still running after " + timeout);
    }
    echo.join(TimeUnit.SECONDS.toMillis(10));
    Assumptions.assumeFalse(p.exitValue() == SKIP, last.get());
    assertEquals(0, p.exitValue(), String.join(" ", argv) + " failed: " + last.get());
  }
}
