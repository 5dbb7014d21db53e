package io.keepwatch.agent.config;

import io.keepwatch.probes.Printable;

/**
 * A configuration mistake, said in one line: where (file:line), which key, and what is wrong.
 * {@code Main} prints it and exits 78 (EX_CONFIG, sysexits.h).
 */
public final class ConfigError extends Exception {

  private static final long serialVersionUID = 1L;

  private final String where;
  private final String key;
  private final String problem;

  /**
   * Control characters in any part (from the file, or from the HOCON parser) are escaped: one line.
   */
  public ConfigError(String where, String key, String problem) {
    super(message(Printable.escaped(where), Printable.escaped(key), Printable.escaped(problem)));
    this.where = Printable.escaped(where);
    this.key = Printable.escaped(key);
    this.problem = Printable.escaped(problem);
  }

  private static String message(String where, String key, String problem) {
    return where + ": " + (key.isEmpty() ? "" : key + ": ") + problem;
  }

  /** "file:line", or the file alone when no line applies. */
  public String where() {
    return where;
  }

  /** The full key path, e.g. keepwatch.probes.port.rise; "" for a file-level problem. */
  public String key() {
    return key;
  }

  public String problem() {
    return problem;
  }
}
