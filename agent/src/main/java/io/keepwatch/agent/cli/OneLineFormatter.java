package io.keepwatch.agent.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * One line per event: "2026-11-21T23:01:02.123Z INFO verdict: UP -> DOWN ...". journald keeps lines
 * whole; a stack trace, when there is one, follows on its own lines.
 */
public final class OneLineFormatter extends Formatter {

  @Override
  public String format(LogRecord record) {
    StringBuilder line =
        new StringBuilder(160)
            .append(Instant.ofEpochMilli(record.getMillis()))
            .append(' ')
            .append(record.getLevel().getName())
            .append(' ')
            .append(formatMessage(record).replace('\n', ' '))
            .append('\n');
    if (record.getThrown() != null) {
      StringWriter trace = new StringWriter();
      record.getThrown().printStackTrace(new PrintWriter(trace));
      line.append(trace);
    }
    return line.toString();
  }
}
