package io.keepwatch.agent.config;

import io.keepwatch.probes.Printable;
import java.util.ArrayList;
import java.util.List;

/**
 * A configuration mistake, said in one line: where (file:line), which key, and what is wrong.
 * {@code Main} prints it and exits 78 (EX_CONFIG, sysexits.h).
 */
public final class ConfigError extends Exception {

  private static final long serialVersionUID = 1L;

  private final String where;
  private final String key;
  private final String problem;
  private final List<ConfigError> more = new ArrayList<>();

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

  /**
   * Several mistakes found in one pass: the first, carrying the others (see {@link #all()}), so a
   * file is fixed in one round instead of one error per run.
   */
  static ConfigError of(List<ConfigError> errors) {
    List<ConfigError> flat = new ArrayList<>();
    errors.forEach(e -> e.all().stream().filter(one -> !flat.contains(one)).forEach(flat::add));
    // In the order of the file, as an operator fixes them.
    flat.sort(
        java.util.Comparator.comparing((ConfigError e) -> e.where.replaceFirst(":\\d+$", ""))
            .thenComparingInt(ConfigError::line));
    ConfigError first = flat.get(0);
    ConfigError together = new ConfigError(first.where, first.key, first.problem);
    together.more.addAll(flat.subList(1, flat.size()));
    return together;
  }

  /** This mistake and every other one found with it, in the order they were found. */
  public List<ConfigError> all() {
    List<ConfigError> all = new ArrayList<>();
    all.add(new ConfigError(where, key, problem));
    all.addAll(more);
    return all;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ConfigError e
        && where.equals(e.where)
        && key.equals(e.key)
        && problem.equals(e.problem);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(where, key, problem);
  }

  private int line() {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile(":(\\d+)$").matcher(where);
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
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
