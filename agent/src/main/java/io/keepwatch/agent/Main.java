package io.keepwatch.agent;

import io.keepwatch.agent.cli.Cli;
import io.keepwatch.agent.log.JournalStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Entry point of keepwatch.jar; the only place that calls System.exit. */
public final class Main {

  /** EX_SOFTWARE (sysexits.h): a bug; the trace follows on stderr. */
  private static final int INTERNAL_ERROR = 70;

  private Main() {}

  /**
   * Java 17 encodes System.out in the locale's charset: ASCII under systemd's default C locale,
   * which printed every non-ASCII letter of a VRRP name or a reason as '?'. keepwatch's output is
   * UTF-8 whatever the locale.
   */
  private static PrintStream utf8(FileDescriptor fd) {
    return new PrintStream(new FileOutputStream(fd), true, StandardCharsets.UTF_8);
  }

  public static void main(String[] args) {
    int code;
    try {
      code =
          new Cli(
                  utf8(FileDescriptor.out),
                  utf8(FileDescriptor.err),
                  JournalStream.stdout(),
                  JournalStream.stderr())
              .run(args);
    } catch (RuntimeException | Error e) {
      System.err.println(
          (JournalStream.stderr() ? "<3>" : "")
              + "keepwatch: internal error, please report it with the trace below");
      e.printStackTrace();
      code = INTERNAL_ERROR;
    }
    System.exit(code);
  }
}
