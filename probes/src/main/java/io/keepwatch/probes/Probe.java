package io.keepwatch.probes;

import java.util.concurrent.CompletableFuture;

/**
 * One kind of check of nginx. Implementations are small final classes, one per kind.
 *
 * <p>{@link #check()} must return at once without blocking the calling thread: network probes work
 * on a Netty event loop, blocking work (reading /proc) runs on an executor the probe was given. Run
 * a probe through {@link TimeBoundProbe}, which enforces the timeout, measures the latency and
 * turns a bug into an {@code ERROR} result.
 */
public interface Probe {

  /** The probe kind as written in the configuration: process, tcp, http, stub-status. */
  String kind();

  /**
   * Starts one check. The future completes with a result; an expected failure of nginx is a failed
   * result, not an exceptional completion. If the future is completed by someone else first (a
   * timeout), the probe releases what it holds (e.g. closes its connection).
   */
  CompletableFuture<ProbeResult> check();
}
