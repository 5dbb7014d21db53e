package io.keepwatch.agent.supervisor;

import java.util.concurrent.CompletableFuture;

/** What an operator may change, through the control socket only. */
public interface OperatorControl {

  /** Turns maintenance on (with a reason) or off; completes with the verdict line after it. */
  CompletableFuture<String> maintenance(boolean on, String reason);

  /** Leaves ESCALATED and clears the restart budget; completes with what happened. */
  CompletableFuture<String> reset();
}
