package io.keepwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keepwatch.agent.log.Priority;
import io.keepwatch.agent.verdict.NodeState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The priority of each verdict change: journalctl -p warning must list every outage. */
class VerdictLogTest {

  @ParameterizedTest(name = "{0} -> {1}: <{2}>")
  @CsvSource({
    "UP, DOWN, 4",
    "UP, RECOVERING, 4",
    "UP, MAINTENANCE, 4",
    "UP, ESCALATED, 3",
    "DOWN, ESCALATED, 3",
    "RECOVERING, ESCALATED, 3",
    "STARTING, DOWN, 4",
    "RECOVERING, DOWN, 4",
    "ESCALATED, DOWN, 4",
    "DOWN, RECOVERING, 5",
    "DOWN, MAINTENANCE, 5",
    "ESCALATED, MAINTENANCE, 5",
    "DOWN, UP, 5",
    "RECOVERING, UP, 5",
    "ESCALATED, UP, 5",
    "MAINTENANCE, UP, 5",
    "STARTING, UP, 5",
    "UP, DEGRADED, 4",
    "STARTING, DEGRADED, 4",
    "DOWN, DEGRADED, 4",
    "DEGRADED, UP, 5",
    "DEGRADED, ESCALATED, 3",
    "DOWN, DOWN, 6"
  })
  void priorityOfAVerdictChange(NodeState before, NodeState after, int syslog) {
    assertEquals(syslog, Priority.syslog(VerdictLog.priority(before, after)));
  }
}
