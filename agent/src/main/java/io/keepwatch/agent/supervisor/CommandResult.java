package io.keepwatch.agent.supervisor;

import java.time.Duration;
import java.util.List;

/**
 * How one command ended. Immutable.
 *
 * @param argv what ran
 * @param exitCode the exit code; -1 when it did not exit by itself (timeout) or could not start
 * @param timedOut whether it was killed at its timeout
 * @param startError why it could not start ("" when it started)
 * @param took how long it ran
 * @param firstLines the first lines of its output (stdout and stderr together)
 */
public record CommandResult(
    List<String> argv,
    int exitCode,
    boolean timedOut,
    String startError,
    Duration took,
    List<String> firstLines) {

  public CommandResult {
    argv = List.copyOf(argv);
    firstLines = List.copyOf(firstLines);
  }

  public boolean succeeded() {
    return !timedOut && startError.isEmpty() && exitCode == 0;
  }

  /** The first non-blank output line, or a description of how it ended: for reasons. */
  public String firstLine() {
    return firstLines.stream().filter(l -> !l.isBlank()).findFirst().orElse(outcome());
  }

  /** "exit 0", "exit 1", "killed at its timeout after 10000 ms", "cannot start: ...". */
  public String outcome() {
    if (!startError.isEmpty()) {
      return "cannot start: " + startError;
    }
    if (timedOut) {
      return "killed at its timeout after " + took.toMillis() + " ms";
    }
    return "exit " + exitCode;
  }

  /** One line for the log: what ran, how it ended, how long, and its first output line. */
  public String summary() {
    String output = firstLines.isEmpty() ? "" : ": " + String.join(" | ", firstLines);
    return String.join(" ", argv) + ": " + outcome() + " in " + took.toMillis() + " ms" + output;
  }
}
