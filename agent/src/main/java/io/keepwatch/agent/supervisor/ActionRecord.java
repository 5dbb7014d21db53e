package io.keepwatch.agent.supervisor;

import java.time.Instant;

/**
 * One thing the supervisor did, for /status and "keepwatch status".
 *
 * @param at when it finished
 * @param action what: "config-test", "restart", "escalation", "maintenance", "reset"...
 * @param outcome how it ended, one line
 */
public record ActionRecord(Instant at, String action, String outcome) {}
