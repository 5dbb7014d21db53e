package io.keepwatch.agent;

import io.keepwatch.agent.config.ProbeSpec;
import io.keepwatch.agent.probing.TcpKind;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/** Probe specs for tests that need a judge but no real probe. */
public final class TestProbes {

  private TestProbes() {}

  /** A critical tcp probe of 127.0.0.1:80, every 200 ms, that flips on one result. */
  public static ProbeSpec tcp(String name) {
    return tcp(name, 1, true);
  }

  /** A tcp probe of 127.0.0.1:80, every 200 ms, with this rise and fall. */
  public static ProbeSpec tcp(String name, int riseAndFall, boolean critical) {
    return new ProbeSpec(
        name,
        Duration.ofMillis(200),
        Duration.ofMillis(100),
        riseAndFall,
        riseAndFall,
        critical,
        new TcpKind.Target(new InetSocketAddress(InetAddress.getLoopbackAddress(), 80)));
  }
}
