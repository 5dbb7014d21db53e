package io.keepwatch.agent.verdict;

/**
 * The answers the previous agent gave, kept by a new agent while it has no verdict of its own, so
 * that restarting or upgrading keepwatch is invisible to keepalived. Valid only while the previous
 * agent's lease runs (see keepalived.agent-gone-after): an agent that never comes to a verdict does
 * not keep the node in for longer than that.
 *
 * @param checkUp what /check answered (everything as it should be)
 * @param servingUp what /check/serving answered (nginx answers at all)
 */
public record Inherited(boolean checkUp, boolean servingUp) {}
