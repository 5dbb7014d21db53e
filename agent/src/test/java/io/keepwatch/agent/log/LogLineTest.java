package io.keepwatch.agent.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Commands;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LogLineTest {

  @ParameterizedTest(name = "{0} -> <{1}> {2}")
  @CsvSource({
    "SEVERE, 3, ERROR",
    "WARNING, 4, WARNING",
    "NOTICE, 5, NOTICE",
    "INFO, 6, INFO",
    "FINE, 7, DEBUG"
  })
  void eachLevelHasItsSyslogPriority(String level, int priority, String word) {
    Level l = level.equals("NOTICE") ? Priority.NOTICE : Level.parse(level);
    assertEquals(priority, Priority.syslog(l));
    assertEquals(word, Priority.word(l));
  }

  @Test
  void inTheJournalEveryLineCarriesItsPriorityAndNoTimestamp() {
    LogRecord record = new LogRecord(Level.WARNING, "verdict: UP -> DOWN port: refused");
    record.setThrown(new IllegalStateException("boom"));
    String text = new LogLine(true).format(record);
    assertTrue(text.startsWith("<4>WARNING verdict: UP -> DOWN port: refused\n"), text);
    assertTrue(text.lines().allMatch(l -> l.startsWith("<4>")), text);
    assertTrue(text.lines().count() > 2, "the trace follows, prefixed: " + text);
  }

  @Test
  void elsewhereALineHasATimestampAndNoPrefix() {
    LogRecord record = new LogRecord(Priority.NOTICE, "verdict: DOWN -> UP");
    String text = new LogLine(false).format(record);
    assertTrue(text.matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z NOTICE verdict: DOWN -> UP\\n"), text);
  }

  @Test
  void deviceAndInodeAreWhatStatSays(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("out"), "x");
    String stat = Commands.ok("stat", "-L", "-c", "%d:%i", file.toString()).output().strip();
    assertEquals(stat, JournalStream.deviceAndInode(file).orElseThrow());
    assertFalse(JournalStream.is(1, null), "no JOURNAL_STREAM, no journal");
    assertFalse(JournalStream.is(1, "0:0"), "another stream");
  }

  /**
   * Regression (issue 13): the log set-up pointed a ConsoleHandler at stdout, and StreamHandler
   * closes the stream it replaces: System.err was closed, so every later fatal error was lost.
   */
  @Test
  void settingUpLoggingLeavesStderrOpen() {
    PrintStream original = System.err;
    Logger root = Logger.getLogger("");
    Handler[] before = root.getHandlers();
    boolean[] closed = {false};
    PrintStream err =
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8) {
          @Override
          public void close() {
            closed[0] = true;
            super.close();
          }
        };
    try {
      System.setErr(err);
      root.addHandler(new ConsoleHandler()); // what the JVM installs, on System.err
      LogSetup.toStdout(
          new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false);
      assertFalse(closed[0], "System.err was closed by the log set-up");
    } finally {
      System.setErr(original);
      for (Handler h : root.getHandlers()) {
        root.removeHandler(h);
      }
      for (Handler h : before) {
        root.addHandler(h);
      }
    }
  }
}
