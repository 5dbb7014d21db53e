package io.keepwatch.agent.keepalived;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Each VRRP instance's and sync group's role as keepalived last reported it through the notify
 * FIFO. Fed by one thread (the FIFO reader); read by any (status, metrics) through an immutable
 * map. Exports keepwatch_vrrp_state{vrrp_instance,state} (1 for the current state) and
 * keepwatch_vrrp_transitions_total{vrrp_instance,to}.
 */
public final class VrrpRoles {

  /** What keepalived last said about one instance or group. */
  public record Role(String type, String state, int priority, Instant since) {}

  /** The states a VRRP instance reports; one gauge series each. */
  static final List<String> STATES = List.of("MASTER", "BACKUP", "FAULT", "STOP");

  /** More distinct names than this are not a real keepalived.conf: ignore the rest. */
  static final int MAX_NAMES = 64;

  private static final Logger LOG = Logger.getLogger("keepwatch");

  private final MeterRegistry registry;
  private final Clock clock;
  private volatile Map<String, Role> roles = Map.of();

  public VrrpRoles(MeterRegistry registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
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
        register(line.name());
      }
      Counter.builder("keepwatch.vrrp.transitions")
          .description("VRRP state changes keepalived reported, by instance and new state")
          .tags("vrrp_instance", line.name(), "to", line.state())
          .register(registry)
          .increment();
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

  private void register(String instance) {
    for (String state : STATES) {
      // Every "to" series exists at 0 from the first sight of the instance, so the first
      // transition into a state is an increase Prometheus can see (issue 13).
      Counter.builder("keepwatch.vrrp.transitions")
          .description("VRRP state changes keepalived reported, by instance and new state")
          .tags("vrrp_instance", instance, "to", state)
          .register(registry);
      Gauge.builder(
              "keepwatch.vrrp.state",
              this,
              r -> {
                Role role = r.roles.get(instance);
                return role != null && role.state().equals(state) ? 1 : 0;
              })
          .description(
              "1 for the VRRP instance's current state as keepalived reported it, 0 for the others")
          .tags("vrrp_instance", instance, "state", state)
          .strongReference(true)
          .register(registry);
    }
  }
}
