package io.keepwatch.probes.process;

import io.keepwatch.probes.Printable;
import io.keepwatch.probes.files.BoundedFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * Reads nginx's pidfile: the one reader of it in keepwatch (the process probe judges with it, the
 * supervisor tells a new master from the old one with it).
 *
 * <p>nginx writes the master's pid and a newline. The reader looks at nothing else: it reads
 * through {@link BoundedFile} (only a regular file, never a FIFO, which would block the open, nor a
 * device such as /dev/zero; at most {@link #MAX_BYTES} bytes; never a thread stuck in open(2)), and
 * accepts only a positive decimal pid.
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

  /** Reads the pidfile now. Blocking but short (at most a second): call it off the event loops. */
  public static Reading read(Path file) {
    byte[] head;
    try {
      head = BoundedFile.read(file, MAX_BYTES);
    } catch (NoSuchFileException e) {
      return new Missing(file); // nginx and keepalived remove it on a clean exit
    } catch (BoundedFile.Refused e) {
      return new Invalid(file, e.why());
    } catch (IOException e) {
      return new Invalid(file, "unreadable: " + e.getMessage());
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
