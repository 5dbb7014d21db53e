package io.keepwatch.agent.log;

import java.io.PrintStream;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Sends every log record to stdout, one line each (see {@link LogLine}), and nothing else. JUL's
 * ConsoleHandler is not used: pointing it at stdout closes the System.err it opened on, which
 * silenced every later stack trace and fatal error (issue 13). stderr is left alone: fatal errors
 * and the JVM's own reports still reach it.
 */
public final class LogSetup {

  /**
   * Netty warns once at start when no network interface has a hardware address (a container with
   * only loopback), and uses random bytes instead, harmlessly: at warning it would sit among the
   * outages in {@code journalctl -p warning}. Held here: JUL forgets the level of a logger nobody
   * references.
   */
  private static final Logger NETTY_MAC_ADDRESS =
      Logger.getLogger("io.netty.util.internal.MacAddressUtil");

  private LogSetup() {}

  /** Replaces the root logger's handlers with one that writes to {@code out}. */
  public static void toStdout(PrintStream out, boolean journal) {
    Logger root = Logger.getLogger("");
    for (Handler handler : root.getHandlers()) {
      root.removeHandler(handler); // removed, not closed: the default one holds System.err
    }
    Handler handler = new LineHandler(out);
    handler.setFormatter(new LogLine(journal));
    handler.setLevel(Level.INFO);
    root.addHandler(handler);
    root.setLevel(Level.INFO);
    NETTY_MAC_ADDRESS.setLevel(Level.SEVERE);
  }

  /** Writes and flushes each record whole; never closes the stream it was given. */
  private static final class LineHandler extends Handler {
    private final PrintStream out;

    LineHandler(PrintStream out) {
      this.out = out;
    }

    @Override
    public void publish(LogRecord record) {
      if (!isLoggable(record)) {
        return;
      }
      String text = getFormatter().format(record);
      synchronized (out) {
        out.print(text);
        out.flush();
      }
    }

    @Override
    public void flush() {
      out.flush();
    }

    @Override
    public void close() {
      out.flush(); // stdout belongs to the process, not to logging
    }
  }
}
