package io.keepwatch.agent.keepalived;

import io.keepwatch.agent.files.SmallFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * What keepalived must read when the agent dies without a clean stop: the track file's down value,
 * in the set-up where a stopping agent writes it (no keepalived.track-process). Without these words
 * an agent killed by an OutOfMemoryError or a fatal JVM error left "1" in the track file while
 * nothing watched nginx (issue 14).
 *
 * <p>Two ways out, for two kinds of death:
 *
 * <ul>
 *   <li>The JVM itself dies (heap exhausted, a crash): the launcher runs the JVM with {@code
 *       -XX:OnOutOfMemoryError} and {@code -XX:OnError} calling {@code keepwatch last-words FILE},
 *       a shell step that writes each value to its file; {@code -Dkeepwatch.last-words=FILE} tells
 *       the agent where to keep them for it. The JVM runs that step before it exits.
 *   <li>An OutOfMemoryError thrown by code (direct buffers, a thread that cannot start) that would
 *       leave a half-alive agent: {@link FatalErrors} calls {@link #speak()} and halts the JVM.
 * </ul>
 *
 * <p>Process-wide on purpose (static): it is about the death of the process. Any thread.
 */
public final class LastWords {

  private static final Logger LOG = Logger.getLogger("keepwatch");

  /** The system property naming the file the launcher's step reads. */
  static final String PROPERTY = "keepwatch.last-words";

  private static final Map<Path, Integer> WORDS = new ConcurrentSkipListMap<>();

  private LastWords() {}

  /** On a death without a clean stop, write {@code value} to {@code file}. */
  static void set(Path file, int value) {
    WORDS.put(file.toAbsolutePath(), value);
    publish();
  }

  /** A clean stop has said what it had to: nothing left to say on a death. */
  static void forget(Path file) {
    WORDS.remove(file.toAbsolutePath());
    publish();
  }

  /** Writes every value now (the JVM is dying); best effort, the file that fails is named. */
  public static void speak() {
    WORDS.forEach(
        (file, value) -> {
          try {
            SmallFiles.replace(file, value + "\n");
          } catch (IOException | RuntimeException e) {
            LOG.log(Level.SEVERE, "dying: cannot write " + value + " to " + file + ": " + e);
          }
        });
  }

  /** Keeps the launcher's file in step: one "VALUE PATH" line per file. */
  private static void publish() {
    Optional<Path> file =
        Optional.ofNullable(System.getProperty(PROPERTY)).filter(p -> !p.isEmpty()).map(Path::of);
    if (file.isEmpty()) {
      return; // not started through the launcher (tests, a hand-made command line)
    }
    String lines =
        WORDS.entrySet().stream()
            .map(e -> e.getValue() + " " + e.getKey() + "\n")
            .collect(Collectors.joining());
    try {
      if (lines.isEmpty()) {
        java.nio.file.Files.deleteIfExists(file.get());
      } else {
        SmallFiles.replace(file.get(), lines);
      }
    } catch (IOException e) {
      LOG.warning(
          "cannot write "
              + file.get()
              + " ("
              + e.getMessage()
              + "): if the JVM dies, the track file keeps its last value until keepalived's own"
              + " bound");
    }
  }
}
