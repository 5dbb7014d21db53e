package io.keepwatch.agent.supervisor;

import java.time.Duration;

/** Durations the way an operator writes them in keepwatch.conf: 5m, 30s, 250ms. */
final class Durations {

  private Durations() {}

  static String human(Duration d) {
    if (d.toMillis() % 60_000 == 0 && d.toMinutes() > 0) {
      return d.toMinutes() + "m";
    }
    if (d.toMillis() % 1000 == 0) {
      return d.toSeconds() + "s";
    }
    return d.toMillis() + "ms";
  }
}
