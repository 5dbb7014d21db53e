package io.keepwatch.probes.process;

import io.keepwatch.probes.Printable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * Reads nginx's pidfile: the one reader of it in keepwatch (the process probe judges with it, the
 * supervisor tells a new master from the old one with it).
 *
 * <p>nginx writes the master's pid and a newline. The reader looks at nothing else: it opens only a
 * regular file (never a FIFO, which would block the open, nor a device such as /dev/zero), reads at
 * most {@link #MAX_BYTES} bytes, and accepts only a positive decimal pid.
 */
public final class PidFile {

  /** A pid is at most 7 digits on Linux (pid_max <= 4194304); anything longer is not a pidfile. */
  static final int MAX_BYTES = 32;

  /** What the pidfile says. */
  public sealed interface Reading permits Pid, Missing, Invalid {
    /** One line for people, naming the file: why there is no pid, or which pid. */
    String describe();
  }

  /** The pidfile names this master. */
  public record Pid(Path file, int pid) implements Reading {
    @Override
    public String describe() {
      return "pidfile " + file + " names " + pid;
    }
  }

  /** No pidfile: its daemon is not running (nginx and keepalived remove it on a clean exit). */
  public record Missing(Path file) implements Reading {
    @Override
    public String describe() {
      return "pidfile " + file + " missing";
    }
  }

  /** A file is there, but no pid can be read from it. */
  public record Invalid(Path file, String problem) implements Reading {
    @Override
    public String describe() {
      return "pidfile " + file + " " + problem;
    }
  }

  private PidFile() {}

  /** Reads the pidfile now. Blocking but short: call it off the event loops. */
  public static Reading read(Path file) {
    if (!Files.exists(file)) {
      return new Missing(file);
    }
    if (!Files.isRegularFile(file)) {
      return new Invalid(file, "is not a regular file");
    }
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(MAX_BYTES + 1);
    } catch (NoSuchFileException e) {
      return new Missing(file); // removed between the two looks: nginx just stopped
    } catch (IOException e) {
      return new Invalid(file, "unreadable: " + e.getMessage());
    }
    if (head.length > MAX_BYTES) {
      return new Invalid(file, "is longer than " + MAX_BYTES + " bytes, not a pidfile");
    }
    String text = new String(head, StandardCharsets.US_ASCII).strip();
    if (!text.matches("[0-9]{1,10}")) {
      return new Invalid(file, "holds " + Printable.quoted(text, MAX_BYTES) + ", not a pid");
    }
    long pid = Long.parseLong(text);
    if (pid <= 0 || pid > Integer.MAX_VALUE) {
      return new Invalid(file, "holds " + pid + ", not a pid");
    }
    return new Pid(file, (int) pid);
  }

  /** The pid the file names, if it names one. */
  public static OptionalInt pid(Path file) {
    return read(file) instanceof Pid p ? OptionalInt.of(p.pid()) : OptionalInt.empty();
  }
}
