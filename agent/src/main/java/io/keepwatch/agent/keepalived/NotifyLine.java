package io.keepwatch.agent.keepalived;

import io.keepwatch.probes.Printable;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line keepalived writes to its {@code vrrp_notify_fifo}: {@code INSTANCE "VI_1" MASTER 100} or
 * {@code GROUP "VG_1" BACKUP 0} (type, quoted name, new state or event, priority); with the global
 * {@code notify_fifo} also its checkers' {@code VS [192.0.2.1]:tcp:80 UP} and {@code RS
 * [10.0.0.1]:tcp:80 [192.0.2.1]:tcp:80 DOWN}, which keepwatch reads and ignores.
 *
 * <p>Every state is one of {@link #STATES} or {@link #EVENTS} and every priority is from 0 to 255,
 * as keepalived writes them (vrrp_notify.c): anything else is refused, so what reaches a metric
 * label comes from a fixed set, whatever is written to the FIFO (issue 14: each new state word was
 * a new series).
 *
 * @param type INSTANCE or GROUP; VS or RS for a checker line
 * @param name the vrrp_instance or vrrp_sync_group name (UTF-8, no control characters); for a
 *     checker line, the servers it names
 * @param state MASTER, BACKUP, FAULT, STOP, or an event (see {@link #EVENTS}); UP or DOWN for a
 *     checker line
 * @param priority the instance's priority at the change, 0 to 255 (0 for a checker line)
 */
public record NotifyLine(String type, String name, String state, int priority) {

  /** Longer lines are not keepalived's; they are rejected before any parsing. */
  static final int MAX_LENGTH = 512;

  /** The roles an instance or group can be in. */
  public static final List<String> STATES = List.of("MASTER", "BACKUP", "FAULT", "STOP");

  /** Events keepalived reports without a change of role: only the priority is news. */
  static final List<String> EVENTS =
      List.of("MASTER_RX_LOWER_PRI", "MASTER_PRIORITY", "BACKUP_PRIORITY");

  private static final Pattern LINE =
      Pattern.compile("(INSTANCE|GROUP) \"([^\"\\p{Cntrl}]{1,128})\" ([A-Z0-9_]{1,32}) (\\d{1,5})");

  private static final Pattern CHECKER = Pattern.compile("(VS|RS) (\\S.{0,400}) (UP|DOWN)");

  /** Whether this is a checker's line (VS or RS), not a VRRP one. */
  public boolean checker() {
    return type.equals("VS") || type.equals("RS");
  }

  /** Whether the state word is an event that leaves the role as it was. */
  public boolean event() {
    return EVENTS.contains(state);
  }

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
    String text = line.strip();
    Matcher checker = CHECKER.matcher(text);
    if (checker.matches()) {
      return new NotifyLine(checker.group(1), checker.group(2), checker.group(3), 0);
    }
    Matcher m = LINE.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "expected TYPE \"NAME\" STATE PRIORITY (e.g. INSTANCE \"VI_1\" MASTER 100), got "
              + Printable.quoted(line, 80));
    }
    String name = m.group(2);
    if (name.codePoints().anyMatch(Character::isISOControl)) { // C1: \p{Cntrl} is ASCII only
      throw new IllegalArgumentException(
          "a VRRP name with a control character: " + Printable.quoted(name, 80));
    }
    String state = m.group(3);
    if (!STATES.contains(state) && !EVENTS.contains(state)) {
      throw new IllegalArgumentException(
          "unknown state "
              + Printable.quoted(state, 32)
              + " for "
              + Printable.quoted(name, 80)
              + " (keepalived writes MASTER, BACKUP, FAULT, STOP or a priority event)");
    }
    int priority = Integer.parseInt(m.group(4));
    if (priority > 255) {
      throw new IllegalArgumentException(
          "priority " + priority + " for " + Printable.quoted(name, 80) + " is outside 0-255");
    }
    return new NotifyLine(m.group(1), name, state, priority);
  }
}
