package io.keepwatch.agent.supervisor;

import io.keepwatch.agent.config.ProbeSpec;
import io.keepwatch.probes.process.PortOwners;
import io.keepwatch.probes.process.ProcStat;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.logging.Logger;

/**
 * The TCP ports the probes reach nginx on: what a restarted nginx must be able to bind. A process
 * other than nginx listening on one of them means a restart cannot bring nginx back, and holding
 * the VIP for it would only lengthen the outage. nginx's own processes (orphaned workers of a
 * killed master, a hung nginx) do not count: a hard restart removes them. Read from /proc: the
 * listeners in the sockets tables always (under 1 ms on the bench's VM: {@link PortOwners}), the
 * processes only when the port has a listener (rare while nginx is DOWN).
 */
final class NginxPorts {

  private static final Logger LOG = Logger.getLogger("keepwatch");

  private final List<Integer> ports;
  private final PortOwners owners;

  NginxPorts(List<Integer> ports, PortOwners owners) {
    this.ports = List.copyOf(ports);
    this.owners = owners;
  }

  /** The ports of these probes. */
  static NginxPorts of(List<ProbeSpec> probes) {
    return new NginxPorts(
        probes.stream()
            .map(p -> p.target().port())
            .filter(OptionalInt::isPresent)
            .map(OptionalInt::getAsInt)
            .distinct()
            .toList(),
        new PortOwners());
  }

  /** "port 80 is held by pid 1234 ('python3')" when a stranger listens on one; else empty. */
  Optional<String> heldByAStranger() {
    for (int port : ports) {
      try {
        for (ProcStat owner : owners.listening(port)) {
          if (!owner.comm().equals("nginx")) {
            return Optional.of(
                "port " + port + " is held by pid " + owner.pid() + " ('" + owner.comm() + "')");
          }
        }
      } catch (IOException | RuntimeException e) {
        LOG.warning("cannot tell who holds port " + port + ": " + e);
      }
    }
    return Optional.empty();
  }
}
