package io.keepwatch.agent.log;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * One line per event. On a terminal or in a file: {@code 2026-11-21T23:01:02.123Z WARNING verdict:
 * UP -> DOWN ...}. In the journal: {@code <4>WARNING verdict: UP -> DOWN ...}, since journald
 * stamps each line itself and reads its priority from the {@code <N>} prefix
 * (SyslogLevelPrefix=yes, the default), so {@code journalctl -p warning} shows every outage. A
 * stack trace follows on its own lines, each with the same prefix, so none of it falls to the
 * default priority.
 */
public final class LogLine extends Formatter {

  private final boolean journal;

  /**
   * @param journal whether the lines go to the journal (see {@link JournalStream})
   */
  public LogLine(boolean journal) {
    this.journal = journal;
  }

  @Override
  public String format(LogRecord record) {
    String prefix = journal ? "<" + Priority.syslog(record.getLevel()) + ">" : "";
    StringBuilder line = new StringBuilder(160).append(prefix);
    if (!journal) {
      line.append(Instant.ofEpochMilli(record.getMillis())).append(' ');
    }
    line.append(Priority.word(record.getLevel()))
        .append(' ')
        .append(formatMessage(record).replace('\n', ' '))
        .append('\n');
    if (record.getThrown() != null) {
      StringWriter trace = new StringWriter();
      record.getThrown().printStackTrace(new PrintWriter(trace));
      trace.toString().lines().forEach(l -> line.append(prefix).append(l).append('\n'));
    }
    return line.toString();
  }
}
