package io.keepwatch.agent.keepalived;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keepwatch.agent.metrics.KeepwatchMeters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

class VrrpRolesTest {

  /**
   * Regression (issue 13): the first MASTER of an instance made its counter appear already at 1, so
   * increase() over a window never saw the first VIP move.
   */
  @Test
  void everyTransitionCounterOfANewInstanceStartsAtZero() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    VrrpRoles roles =
        new VrrpRoles(
            Clock.systemUTC(), new KeepwatchMeters(registry, List.of(), () -> null, "test"));
    roles.apply(NotifyLine.parse("INSTANCE \"VI_1\" BACKUP 100"));
    for (String state : VrrpRoles.STATES) {
      double expected = state.equals("BACKUP") ? 1 : 0;
      assertEquals(
          expected,
          registry
              .get("keepwatch.vrrp.transitions")
              .tags("vrrp_instance", "VI_1", "to", state)
              .counter()
              .count(),
          state);
    }
    roles.apply(NotifyLine.parse("INSTANCE \"VI_1\" MASTER 100"));
    assertEquals(
        1,
        registry
            .get("keepwatch.vrrp.transitions")
            .tags("vrrp_instance", "VI_1", "to", "MASTER")
            .counter()
            .count());
  }
}
