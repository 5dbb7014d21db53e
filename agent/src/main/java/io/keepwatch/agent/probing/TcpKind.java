package io.keepwatch.agent.probing;

import io.keepwatch.agent.config.ConfigError;
import io.keepwatch.agent.config.Fields;
import io.keepwatch.agent.config.ProbeSpec;
import io.keepwatch.probes.Probe;
import io.keepwatch.probes.net.TcpProbe;
import java.net.InetSocketAddress;

/** {@code kind = tcp}: a connection to host:port completes (nc -z). */
public final class TcpKind implements ProbeKind {

  /**
   * A tcp probe's target.
   *
   * @param address where to connect
   */
  public record Target(InetSocketAddress address) implements ProbeSpec.Target {
    @Override
    public String kind() {
      return "tcp";
    }

    @Override
    public java.util.OptionalInt port() {
      return java.util.OptionalInt.of(address().getPort());
    }
  }

  @Override
  public String name() {
    return "tcp";
  }

  @Override
  public ProbeSpec.Target readTarget(Fields f) throws ConfigError {
    return new Target(f.address("address", false));
  }

  @Override
  public Probe build(ProbeSpec spec, ProbeContext context) {
    Target t = (Target) spec.target();
    return new TcpProbe(context.networkLoop(), t.address(), spec.timeout());
  }
}
