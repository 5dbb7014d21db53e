package io.keepwatch.agent;

import io.keepwatch.agent.config.ProbeSpec;
import io.keepwatch.probes.Probe;
import io.keepwatch.probes.TimeBoundProbe;
import io.keepwatch.probes.net.HttpFetch;
import io.keepwatch.probes.net.HttpProbe;
import io.keepwatch.probes.net.TcpProbe;
import io.keepwatch.probes.process.ProcFs;
import io.keepwatch.probes.process.ProcessProbe;
import io.keepwatch.probes.stubstatus.StubStatus;
import io.keepwatch.probes.stubstatus.StubStatusProbe;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;

/** Builds the probe a {@link ProbeSpec} describes. */
final class ProbeFactory {

  /** Bodies beyond this fail the http probe: a health page is small. */
  static final int MAX_BODY_BYTES = 1 << 20;

  private final EventLoopGroup probeLoop;
  private final Function<String, Executor> blockingExecutorFor;
  private final Function<String, Consumer<StubStatus>> stubStatusListenerFor;

  /**
   * @param probeLoop the event loop of the network probes
   * @param blockingExecutorFor a dedicated executor for a probe that blocks (reads /proc), by name
   * @param stubStatusListenerFor what receives the parsed pages of a stub-status probe, by name
   */
  ProbeFactory(
      EventLoopGroup probeLoop,
      Function<String, Executor> blockingExecutorFor,
      Function<String, Consumer<StubStatus>> stubStatusListenerFor) {
    this.probeLoop = probeLoop;
    this.blockingExecutorFor = blockingExecutorFor;
    this.stubStatusListenerFor = stubStatusListenerFor;
  }

  TimeBoundProbe create(ProbeSpec spec) {
    return new TimeBoundProbe(probe(spec), spec.timeout());
  }

  private Probe probe(ProbeSpec spec) {
    ProbeSpec.Target target = spec.target();
    if (target instanceof ProbeSpec.ProcessTarget p) {
      return new ProcessProbe(
          p.pidfile(),
          p.processName(),
          p.minWorkers(),
          new ProcFs(),
          blockingExecutorFor.apply(spec.name()));
    }
    if (target instanceof ProbeSpec.TcpTarget t) {
      return new TcpProbe(probeLoop, t.address(), spec.timeout());
    }
    if (target instanceof ProbeSpec.HttpCheck h) {
      return new HttpProbe(
          new HttpFetch(probeLoop, h.http(), spec.timeout(), MAX_BODY_BYTES, h.tlsVerify()),
          h.expectStatus(),
          h.expectBody());
    }
    ProbeSpec.StubStatusTarget s =
        (ProbeSpec.StubStatusTarget) target; // the sealed interface's last kind
    return new StubStatusProbe(
        new HttpFetch(probeLoop, s.http(), spec.timeout(), MAX_BODY_BYTES, s.tlsVerify()),
        stubStatusListenerFor.apply(spec.name()));
  }
}
