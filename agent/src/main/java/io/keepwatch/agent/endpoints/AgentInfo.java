package io.keepwatch.agent.endpoints;

import java.time.Instant;

/**
 * Facts about this agent that the status documents show.
 *
 * @param version keepwatch's version
 * @param node this node's host name
 * @param startedAt when the agent started
 */
public record AgentInfo(String version, String node, Instant startedAt) {}
