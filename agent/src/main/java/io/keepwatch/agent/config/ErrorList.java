package io.keepwatch.agent.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects configuration mistakes so one pass reports all it can find: each read that fails adds
 * its error and yields a stand-in value, and {@link #throwIfAny()} throws them together before
 * anything is built from the stand-ins.
 */
final class ErrorList {

  /** One read of a field. */
  @FunctionalInterface
  interface Read<T> {
    T get() throws ConfigError;
  }

  private final List<ConfigError> errors = new ArrayList<>();

  /** The value read, or {@code standIn} after noting why it could not be read. */
  <T> T take(Read<T> read, T standIn) {
    try {
      return read.get();
    } catch (ConfigError e) {
      errors.addAll(e.all());
      return standIn;
    }
  }

  void add(ConfigError error) {
    errors.addAll(error.all());
  }

  /**
   * A default that takes the user's value through a substitution (the process probe's pidfile is
   * ${keepwatch.nginx.pidfile}) fails with it, at a line of reference.conf: the user's own line
   * already says it, so the echo goes. Alone, such an error stays.
   */
  void dropEchoesOfTheUsersMistakes() {
    if (errors.stream().anyMatch(e -> !inReference(e))) {
      errors.removeIf(ErrorList::inReference);
    }
  }

  private static boolean inReference(ConfigError e) {
    return e.where().matches("(.*/)?reference\\.conf(:\\d+)?");
  }

  boolean isEmpty() {
    return errors.isEmpty();
  }

  int size() {
    return errors.size();
  }

  void throwIfAny() throws ConfigError {
    if (!errors.isEmpty()) {
      throw ConfigError.of(errors);
    }
  }
}
