package io.keepwatch.agent.supervisor;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one command: an argv list, never through a shell, with a timeout after which the command and
 * everything it started are killed. Blocking; the supervisor calls it on its own thread.
 *
 * <p>Output goes to a temporary file, not a pipe: a command that starts a daemon (such as {@code
 * nginx} itself) leaves the daemon holding the pipe open, and reading it to the end would never
 * finish.
 */
public final class CommandRunner {

  /** Lines of output kept for the log and for reasons. */
  static final int KEPT_LINES = 5;

  /** Characters kept per line; the rest is cut. */
  static final int KEPT_LINE_LENGTH = 300;

  private final Duration timeout;

  public CommandRunner(Duration timeout) {
    this.timeout = timeout;
  }

  public CommandResult run(List<String> argv) {
    return run(argv, output -> {});
  }

  /** A result and the SHA-256 of the command's whole output (hex), or "" when it failed. */
  public record Digested(CommandResult result, String sha256) {}

  /** Runs and hashes the whole output, e.g. of {@code nginx -T}, for a config fingerprint. */
  public Digested runDigesting(List<String> argv) {
    String[] digest = {""};
    CommandResult result = run(argv, output -> digest[0] = sha256(output));
    return new Digested(result, result.succeeded() ? digest[0] : "");
  }

  private interface OutputReader {
    void read(Path output) throws IOException;
  }

  private CommandResult run(List<String> argv, OutputReader reader) {
    long started = System.nanoTime();
    Path output;
    try {
      output = Files.createTempFile("keepwatch-command-", ".out");
    } catch (IOException e) {
      return new CommandResult(
          argv,
          -1,
          false,
          "no temporary file for its output: " + e.getMessage(),
          Duration.ZERO,
          List.of());
    }
    try {
      Process process;
      try {
        process =
            new ProcessBuilder(withParentDeathSignal(argv))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
      } catch (IOException e) {
        return new CommandResult(argv, -1, false, e.getMessage(), elapsed(started), List.of());
      }
      boolean exited = waitFor(process, timeout);
      if (!exited) {
        killTree(process);
      }
      int exitCode = exited ? process.exitValue() : -1;
      try {
        reader.read(output);
      } catch (IOException e) {
        return new CommandResult(
            argv, -1, false, "output unreadable: " + e.getMessage(), elapsed(started), List.of());
      }
      return new CommandResult(argv, exitCode, !exited, "", elapsed(started), firstLines(output));
    } finally {
      try {
        Files.deleteIfExists(output);
      } catch (IOException ignored) {
        // a leftover file in /tmp is not worth failing an action for
      }
    }
  }

  /** util-linux's setpriv; on Debian in every install (util-linux is Essential). */
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

  /**
   * The command runs under {@code setpriv --pdeathsig KILL}, which execs it in place with the
   * kernel's parent-death signal set: if the agent dies (SIGKILL, OOM), the command it was running
   * dies with it instead of running on as an orphan nobody waits for. Under systemd the unit's
   * cgroup does the same; this also covers an agent run by hand. A daemon the command starts does
   * not inherit it (fork clears it), so nginx outlives the command as it should.
   */
  static List<String> withParentDeathSignal(List<String> argv) {
    if (!Files.isExecutable(SETPRIV) || !findable(argv.get(0))) {
      return argv; // a missing program: let the JDK say so, as "cannot start: ..."
    }
    List<String> wrapped =
        new ArrayList<>(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
    wrapped.addAll(argv);
    return wrapped;
  }

  /** Whether the program exists and is executable: as given when it has a slash, else on $PATH. */
  private static boolean findable(String program) {
    if (program.contains("/")) {
      return Files.isExecutable(Path.of(program));
    }
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "/usr/sbin:/usr/bin:/sbin:/bin" : path).split(":", -1)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

  private static boolean waitFor(Process process, Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * SIGKILL to the command and every descendant still attached to it. A daemon that detached
   * (double fork, setsid) is no longer a descendant and is left alone, which is what a restart
   * command wants: the nginx it started must survive a slow wrapper.
   */
  private static void killTree(Process process) {
    List<ProcessHandle> tree = new ArrayList<>();
    process.toHandle().descendants().forEach(tree::add);
    tree.add(process.toHandle());
    tree.forEach(ProcessHandle::destroyForcibly);
    try {
      process.waitFor(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static List<String> firstLines(Path output) {
    List<String> lines = new ArrayList<>();
    try (InputStream in = Files.newInputStream(output);
        BufferedReader reader =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while (lines.size() < KEPT_LINES && (line = reader.readLine()) != null) {
        String clean = line.replaceAll("\\p{Cntrl}", " ").strip();
        lines.add(
            clean.length() > KEPT_LINE_LENGTH
                ? clean.substring(0, KEPT_LINE_LENGTH) + "..."
                : clean);
      }
    } catch (IOException e) {
      lines.add("(output unreadable: " + e.getMessage() + ")");
    }
    return lines;
  }

  private static String sha256(Path file) throws IOException {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      try (InputStream in = Files.newInputStream(file)) {
        byte[] buffer = new byte[8192];
        for (int n; (n = in.read(buffer)) > 0; ) {
          digest.update(buffer, 0, n);
        }
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static Duration elapsed(long startedNanos) {
    return Duration.ofNanos(System.nanoTime() - startedNanos);
  }
}
