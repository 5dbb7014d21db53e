package io.keepwatch.probes.process;

import io.keepwatch.probes.Printable;

/**
 * The fields keepwatch needs from {@code /proc/PID/stat} (proc(5)).
 *
 * @param pid the process id
 * @param comm the command name, at most 15 bytes, as the kernel keeps it
 * @param state the one-letter state: R, S, D, Z (zombie), T (stopped), t (tracing stop), X...
 * @param ppid the parent's pid
 */
public record ProcStat(int pid, String comm, char state, int ppid) {

  /** Zombie, stopped by a signal, stopped by a tracer, or dead: the process serves nothing. */
  public boolean live() {
    return state != 'Z' && state != 'T' && state != 't' && state != 'X' && state != 'x';
  }

  public String stateName() {
    return switch (state) {
      case 'Z' -> "a zombie";
      case 'T' -> "stopped (SIGSTOP)";
      case 't' -> "stopped by a tracer";
      case 'X', 'x' -> "dead";
      case 'D' -> "in uninterruptible sleep";
      default -> "running";
    };
  }

  /**
   * Parses the text of {@code /proc/PID/stat}. The comm field is in parentheses and may itself hold
   * spaces and parentheses, so it ends at the last ')'.
   *
   * @throws IllegalArgumentException naming what is wrong with the text
   */
  public static ProcStat parse(String text) {
    int open = text.indexOf('(');
    int close = text.lastIndexOf(')');
    if (open < 1 || close < open) {
      throw new IllegalArgumentException("no '(comm)' field in stat line: " + abbreviate(text));
    }
    String[] rest = text.substring(close + 1).trim().split(" ", -1);
    if (rest.length < 2 || rest[0].length() != 1) {
      throw new IllegalArgumentException("no state and ppid after comm: " + abbreviate(text));
    }
    try {
      int pid = Integer.parseInt(text.substring(0, open).trim());
      int ppid = Integer.parseInt(rest[1]);
      return new ProcStat(pid, text.substring(open + 1, close), rest[0].charAt(0), ppid);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("pid or ppid not a number: " + abbreviate(text), e);
    }
  }

  /** A process can put any byte in its comm (prctl): control characters are made visible. */
  private static String abbreviate(String text) {
    return Printable.quoted(text.strip(), 80);
  }
}
