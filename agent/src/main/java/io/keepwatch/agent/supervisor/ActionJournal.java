package io.keepwatch.agent.supervisor;

import io.keepwatch.agent.log.Priority;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What keepwatch did to nginx and why, for people: each action is logged as it happens and the last
 * {@link #KEPT} are kept for /status and {@code keepwatch status}. One journal for the agent's
 * whole life (a reload keeps it), written by the supervisor and the escalator.
 *
 * <p>Threads: any. Writers take the lock for an append; readers get an immutable copy.
 */
public final class ActionJournal {

  /** Actions kept for /status. */
  static final int KEPT = 20;

  private static final Logger LOG = Logger.getLogger("keepwatch");

  private final Clock clock;
  private final Deque<ActionRecord> kept = new ArrayDeque<>();
  private volatile List<ActionRecord> recent = List.of();

  public ActionJournal(Clock clock) {
    this.clock = clock;
  }

  /**
   * A command ran: logged at NOTICE when it succeeded (a restart done is what {@code journalctl -p
   * notice} shows between an outage's start and end), at WARNING when it did not.
   */
  public void command(String action, CommandResult result) {
    add(result.succeeded() ? Priority.NOTICE : Level.WARNING, action, result.summary());
  }

  /** Something happened that is worth an operator's reading, at INFO. */
  public void note(String action, String outcome) {
    add(Level.INFO, action, outcome);
  }

  /** Something went wrong, at WARNING. */
  public void warn(String action, String outcome) {
    add(Level.WARNING, action, outcome);
  }

  /** The last actions, oldest first. */
  public List<ActionRecord> recent() {
    return recent;
  }

  private synchronized void add(Level level, String action, String outcome) {
    LOG.log(level, action + ": " + outcome);
    kept.addLast(new ActionRecord(clock.instant(), action, outcome));
    while (kept.size() > KEPT) {
      kept.removeFirst();
    }
    recent = List.copyOf(kept);
  }
}
