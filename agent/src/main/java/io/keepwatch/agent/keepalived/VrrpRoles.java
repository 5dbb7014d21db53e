package io.keepwatch.agent.keepalived;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Each VRRP instance's and sync group's role as keepalived last reported it through the notify
 * FIFO. Fed by one thread (the FIFO reader); read by any (status, metrics) through an immutable
 * map. What it hears goes on to an {@link Observer} (the keepwatch_vrrp_* metrics).
 */
public final class VrrpRoles {

  /** What keepalived last said about one instance or group. */
  public record Role(String type, String state, int priority, Instant since) {}

  /** Hears about VRRP instances (not sync groups), on the FIFO reader's thread. */
  public interface Observer {
    /** An instance keepalived reported for the first time. */
    void instanceSeen(String instance);

    /** keepalived reported this instance's state (a transition, or the same state again). */
    void instanceReported(String instance, String state);
  }

  /** The states a VRRP instance reports; one gauge series each. */
  public static final List<String> STATES = List.of("MASTER", "BACKUP", "FAULT", "STOP");

  /** More distinct names than this are not a real keepalived.conf: ignore the rest. */
  static final int MAX_NAMES = 64;

  private static final Logger LOG = Logger.getLogger("keepwatch");

  private final Clock clock;
  private final Observer observer;
  private volatile Map<String, Role> roles = Map.of();

  public VrrpRoles(Clock clock, Observer observer) {
    this.clock = clock;
    this.observer = observer;
  }

  /** The current roles, by name ("VI_1", or "group VG_1" for sync groups). */
  public Map<String, Role> roles() {
    return roles;
  }

  /** Applies one line from keepalived. Called on the FIFO reader thread only. */
  void apply(NotifyLine line) {
    if (!line.type().equals("INSTANCE") && !line.type().equals("GROUP")) {
      LOG.fine("notify FIFO: ignoring " + line.type() + " line for " + line.name());
      return;
    }
    String key = line.type().equals("GROUP") ? "group " + line.name() : line.name();
    Role before = roles.get(key);
    if (before == null && roles.size() >= MAX_NAMES) {
      LOG.warning("notify FIFO: more than " + MAX_NAMES + " VRRP names; ignoring " + key);
      return;
    }
    Map<String, Role> next = new LinkedHashMap<>(roles);
    next.put(key, new Role(line.type(), line.state(), line.priority(), clock.instant()));
    roles = Map.copyOf(next);
    if (line.type().equals("INSTANCE")) {
      if (before == null) {
        observer.instanceSeen(line.name());
      }
      observer.instanceReported(line.name(), line.state());
    }
    // A role change is a notice; FAULT (keepalived took the instance out) a warning.
    LOG.log(
        line.state().equals("FAULT")
            ? java.util.logging.Level.WARNING
            : io.keepwatch.agent.log.Priority.NOTICE,
        "VRRP "
            + key
            + ": "
            + (before == null ? "" : before.state() + " -> ")
            + line.state()
            + " (priority "
            + line.priority()
            + ")");
  }
}
