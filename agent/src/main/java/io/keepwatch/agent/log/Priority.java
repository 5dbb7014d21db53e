package io.keepwatch.agent.log;

import java.util.logging.Level;

/**
 * The priorities keepwatch logs at, and the syslog number journald reads for each from a {@code
 * <N>} prefix (sd-daemon.h: SD_ERR 3, SD_WARNING 4, SD_NOTICE 5, SD_INFO 6, SD_DEBUG 7). JUL has no
 * notice level, so it is added here between INFO and WARNING; the others are JUL's own.
 *
 * <ul>
 *   <li>{@link Level#SEVERE} = error (3): the operator must act (ESCALATED, a failed reload);
 *   <li>{@link Level#WARNING} = warning (4): service is lost or at risk (leaving UP, a failed
 *       restart, a probe going down);
 *   <li>{@link #NOTICE} = notice (5): a significant normal event (recovered to UP, a restart done,
 *       a VRRP role change, a reload applied);
 *   <li>{@link Level#INFO} = info (6): the rest worth a line;
 *   <li>anything finer = debug (7).
 * </ul>
 */
public final class Priority {

  /** Between INFO (800) and WARNING (900). */
  public static final Level NOTICE = new Notice();

  private Priority() {}

  /** The syslog priority of a JUL level. */
  public static int syslog(Level level) {
    int value = level.intValue();
    if (value >= Level.SEVERE.intValue()) {
      return 3;
    }
    if (value >= Level.WARNING.intValue()) {
      return 4;
    }
    if (value >= NOTICE.intValue()) {
      return 5;
    }
    if (value >= Level.INFO.intValue()) {
      return 6;
    }
    return 7;
  }

  /** The word a plain-text line shows: the syslog name, not JUL's ("ERROR", not "SEVERE"). */
  public static String word(Level level) {
    return switch (syslog(level)) {
      case 3 -> "ERROR";
      case 4 -> "WARNING";
      case 5 -> "NOTICE";
      case 6 -> "INFO";
      default -> "DEBUG";
    };
  }

  private static final class Notice extends Level {
    private static final long serialVersionUID = 1L;

    Notice() {
      super("NOTICE", 850);
    }
  }
}
