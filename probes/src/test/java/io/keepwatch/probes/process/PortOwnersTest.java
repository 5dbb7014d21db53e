package io.keepwatch.probes.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Against the real /proc: this JVM listening on a port it bound. */
class PortOwnersTest {

  @Test
  void findsThisProcessListeningAndNobodyOnAClosedPort() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      List<ProcStat> owners = new PortOwners().listening(socket.getLocalPort());
      long self = ProcessHandle.current().pid();
      assertTrue(owners.stream().anyMatch(p -> p.pid() == self), "this JVM holds it: " + owners);
      closed = socket.getLocalPort();
    }
    assertEquals(List.of(), new PortOwners().listening(closed));
  }
}
