package io.keepwatch.agent.keepalived;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An agent that ran out of memory must not live on half-alive, renewing its lease and answering
 * /check while a thread that watched nginx is gone. The launcher's -XX:+ExitOnOutOfMemoryError ends
 * the JVM for the heap and metaspace, which the JVM itself raises; an OutOfMemoryError thrown by
 * code (Netty's direct memory, a thread that cannot be created) and an InternalError do not trigger
 * it. Those end here: the last words are written ({@link LastWords}) and the JVM halts with 3, the
 * code ExitOnOutOfMemoryError uses, so systemd restarts it (Restart=always) and its crash-loop
 * limit still applies.
 */
public final class FatalErrors {

  private static final Logger LOG = Logger.getLogger("keepwatch");

  /** The exit code of a JVM that died this way (as -XX:+ExitOnOutOfMemoryError's). */
  static final int EXIT = 3;

  private FatalErrors() {}

  /** Every thread's uncaught error goes through {@link #check}. */
  public static void install() {
    Thread.setDefaultUncaughtExceptionHandler(
        (thread, error) -> {
          check(error);
          LOG.log(Level.SEVERE, "thread " + thread.getName() + " died: " + error, error);
        });
  }

  /** Halts the JVM if {@code error} (or its cause) is one an agent cannot go on after. */
  public static void check(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof OutOfMemoryError || t instanceof InternalError) {
        die(t);
      }
    }
  }

  private static void die(Throwable t) {
    try {
      System.err.println("keepwatch: fatal: " + t + "; writing the last words and exiting");
      LastWords.speak();
    } finally {
      Runtime.getRuntime().halt(EXIT);
    }
  }
}
