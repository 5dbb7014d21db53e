package io.keepwatch.agent.endpoints;

import java.util.concurrent.CompletableFuture;

/**
 * POST /reload on the unix control socket: read the configuration file again and apply it, as
 * SIGHUP does, but with the outcome sent back ({@code keepwatch reload}, the unit's ExecReload), so
 * {@code systemctl reload keepwatch} fails when the file is refused.
 */
@FunctionalInterface
public interface ReloadControl {

  /** Completes once the reload has been applied or refused, never before. */
  CompletableFuture<Outcome> reload();

  /** Applied, or refused with the running configuration kept; one line saying which and why. */
  record Outcome(boolean applied, String line) {}
}
