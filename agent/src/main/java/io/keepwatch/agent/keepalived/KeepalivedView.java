package io.keepwatch.agent.keepalived;

import java.util.Map;
import java.util.Optional;

/**
 * keepalived as the agent sees it, for /status and the status page.
 *
 * @param roles each VRRP instance's and group's role as keepalived last reported it (notify FIFO)
 * @param watch whether keepalived runs, if the agent watches it (keepalived.pidfile)
 */
public record KeepalivedView(
    Map<String, VrrpRoles.Role> roles, Optional<KeepalivedWatch.State> watch) {}
