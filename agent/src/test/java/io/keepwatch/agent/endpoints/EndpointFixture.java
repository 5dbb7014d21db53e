package io.keepwatch.agent.endpoints;

import io.keepwatch.agent.TestProbes;
import io.keepwatch.agent.keepalived.KeepalivedView;
import io.keepwatch.agent.metrics.KeepwatchMeters;
import io.keepwatch.agent.metrics.MetricsEndpoint;
import io.keepwatch.agent.verdict.Judge;
import io.keepwatch.probes.ProbeResult;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A judge with one tcp probe, already UP, and the read-only handler over it; close() after use. */
final class EndpointFixture implements AutoCloseable {

  final Judge judge = new Judge(List.of(TestProbes.tcp("port")), Clock.systemUTC());
  final MetricsEndpoint metrics = new MetricsEndpoint(Optional.empty());
  final KeepwatchMeters meters =
      new KeepwatchMeters(
          metrics.registry(),
          judge.snapshot().probes().stream().map(p -> p.spec()).toList(),
          judge::snapshot,
          "test");
  final EndpointHandler handler = new EndpointHandler(handlerSources(), Optional.empty());

  /** keepalived as an agent sees it that neither reads its FIFO nor watches it. */
  static KeepalivedView noKeepalived() {
    return new KeepalivedView(Map.of(), Optional.empty());
  }

  EndpointHandler.Sources handlerSources() {
    return new EndpointHandler.Sources(
        judge::snapshot,
        List::of,
        EndpointFixture::noKeepalived,
        new AgentInfo("test", "n1", Instant.parse("2026-11-22T00:00:00Z")),
        metrics,
        meters);
  }

  EndpointFixture() {
    judge.record("port", ProbeResult.ok("connected"));
  }

  @Override
  public void close() {
    metrics.close();
  }
}
