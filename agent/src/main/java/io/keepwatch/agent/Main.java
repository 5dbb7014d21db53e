package io.keepwatch.agent;

import io.keepwatch.agent.cli.Cli;
import io.keepwatch.agent.log.JournalStream;

/** Entry point of keepwatch.jar; the only place that calls System.exit. */
public final class Main {

  /** EX_SOFTWARE (sysexits.h): a bug; the trace follows on stderr. */
  private static final int INTERNAL_ERROR = 70;

  private Main() {}

  public static void main(String[] args) {
    int code;
    try {
      code =
          new Cli(System.out, System.err, JournalStream.stdout(), JournalStream.stderr()).run(args);
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
