package io.keepwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Runs a command a test needs (ip, dpkg, kill...): argv, no shell, bounded in time. */
public final class Commands {

  private Commands() {}

  /** What a command printed (stdout and stderr together) and how it exited. */
  public record Result(int exitCode, String output) {}

  /**
   * Runs argv for at most 60 s; fails the test if it hangs. The output goes to a file, not a pipe:
   * reading a pipe to its end first would wait for as long as the command (or a child that keeps
   * the pipe open) runs, and the bound would never apply.
   */
  public static Result run(String... argv) throws IOException, InterruptedException {
    Path output = Files.createTempFile("keepwatch-command", ".out");
    try {
      Process p =
          new ProcessBuilder(argv)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", argv) + " hung");
      }
      return new Result(p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(output);
    }
  }

  /** Runs argv and fails the test, with its output, unless it exits 0. */
  public static Result ok(String... argv) throws IOException, InterruptedException {
    Result r = run(argv);
    assertEquals(0, r.exitCode(), String.join(" ", argv) + " failed:\n" + r.output());
    return r;
  }

  /**
   * Sends a signal to a process by its pid; never to 0 or below (kill(-1) would hit everything).
   */
  public static void signal(String name, long pid) throws IOException, InterruptedException {
    assertTrue(pid > 0, "refusing to signal pid " + pid);
    ok("kill", "-" + name, Long.toString(pid));
  }
}
