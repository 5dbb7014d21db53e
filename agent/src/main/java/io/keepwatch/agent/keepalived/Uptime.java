package io.keepwatch.agent.keepalived;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Time since boot in hundredths of a second, from /proc/uptime: the clock keepwatch-check can read
 * with bash builtins alone, and which no wall-clock step moves.
 */
final class Uptime {

  private static final Path PROC_UPTIME = Path.of("/proc/uptime");

  private Uptime() {}

  /** Now, or empty when /proc/uptime cannot be read (then there is no lease to keep). */
  static OptionalLong centiseconds() {
    try (InputStream in = Files.newInputStream(PROC_UPTIME)) {
      String text = new String(in.readNBytes(64), StandardCharsets.US_ASCII);
      String seconds = text.split(" ", 2)[0].strip();
      if (!seconds.matches("[0-9]{1,12}\\.[0-9]{2}")) {
        return OptionalLong.empty();
      }
      return OptionalLong.of(Long.parseLong(seconds.replace(".", "")));
    } catch (IOException e) {
      return OptionalLong.empty();
    }
  }
}
