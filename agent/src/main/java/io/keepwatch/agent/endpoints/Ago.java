package io.keepwatch.agent.endpoints;

import java.time.Duration;

/** A duration as a person says it: "42 s", "3 min", "5 h 12 min", "3 days". */
final class Ago {

  private Ago() {}

  static String of(Duration elapsed) {
    long seconds = Math.max(0, elapsed.toSeconds());
    if (seconds < 60) {
      return seconds + " s";
    }
    long minutes = seconds / 60;
    if (minutes < 60) {
      return minutes + " min";
    }
    long hours = minutes / 60;
    if (hours < 48) {
      return hours + " h" + (minutes % 60 == 0 ? "" : " " + minutes % 60 + " min");
    }
    return hours / 24 + " days";
  }
}
