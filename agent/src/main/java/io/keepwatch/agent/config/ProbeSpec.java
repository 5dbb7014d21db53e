package io.keepwatch.agent.config;

import io.keepwatch.probes.net.HttpTarget;
import io.keepwatch.probes.net.StatusRange;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One configured probe: its schedule, its rise/fall and what it checks.
 *
 * @param name the key under keepwatch.probes
 * @param interval from the start of one run to the start of the next
 * @param timeout a run past it fails
 * @param rise consecutive successes to become healthy
 * @param fall consecutive failures to become failed
 * @param critical whether it counts toward the node's verdict
 * @param target what this kind of probe checks
 */
public record ProbeSpec(
    String name,
    Duration interval,
    Duration timeout,
    int rise,
    int fall,
    boolean critical,
    Target target) {

  /** The kind-specific part: exactly one per probe kind. */
  public sealed interface Target permits ProcessTarget, TcpTarget, HttpCheck, StubStatusTarget {
    /** The kind as written in the configuration. */
    String kind();
  }

  /**
   * A process probe's target.
   *
   * @param pidfile nginx's pidfile
   * @param processName the master's comm
   * @param minWorkers live workers needed
   */
  public record ProcessTarget(Path pidfile, String processName, int minWorkers) implements Target {
    @Override
    public String kind() {
      return "process";
    }
  }

  /**
   * A tcp probe's target.
   *
   * @param address where to connect
   */
  public record TcpTarget(InetSocketAddress address) implements Target {
    @Override
    public String kind() {
      return "tcp";
    }
  }

  /**
   * An http probe's target and expectations.
   *
   * @param http where to GET
   * @param expectStatus accepted statuses
   * @param expectBody text the body must hold, "" for any
   * @param tlsVerify whether https checks the certificate
   */
  public record HttpCheck(
      HttpTarget http, StatusRange expectStatus, String expectBody, boolean tlsVerify)
      implements Target {
    @Override
    public String kind() {
      return "http";
    }
  }

  /**
   * A stub-status probe's target.
   *
   * @param http where to GET the stub_status page
   * @param tlsVerify whether https checks the certificate
   */
  public record StubStatusTarget(HttpTarget http, boolean tlsVerify) implements Target {
    @Override
    public String kind() {
      return "stub-status";
    }
  }
}
