package io.keepwatch.agent.keepalived;

import io.keepwatch.probes.Printable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line keepalived writes to its {@code vrrp_notify_fifo}: {@code INSTANCE "VI_1" MASTER 100} or
 * {@code GROUP "VG_1" BACKUP 0} (type, quoted name, new state, priority).
 *
 * @param type INSTANCE or GROUP
 * @param name the vrrp_instance or vrrp_sync_group name
 * @param state the new state: MASTER, BACKUP, FAULT, STOP...
 * @param priority the instance's priority at the change
 */
public record NotifyLine(String type, String name, String state, int priority) {

  /** Longer lines are not keepalived's; they are rejected before any parsing. */
  static final int MAX_LENGTH = 512;

  private static final Pattern LINE =
      Pattern.compile("([A-Z_]+) \"([^\"\\p{Cntrl}]{1,128})\" ([A-Z_]{1,32}) (\\d{1,5})");

  /**
   * Parses one line (without its newline).
   *
   * @throws IllegalArgumentException saying what is wrong, with the line made printable
   */
  public static NotifyLine parse(String line) {
    if (line.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "line of " + line.length() + " characters; keepalived's are short");
    }
    Matcher m = LINE.matcher(line.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "expected TYPE \"NAME\" STATE PRIORITY (e.g. INSTANCE \"VI_1\" MASTER 100), got "
              + Printable.quoted(line, 80));
    }
    return new NotifyLine(m.group(1), m.group(2), m.group(3), Integer.parseInt(m.group(4)));
  }
}
