package io.keepwatch.probes.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

  /**
   * On the real kernel: a listener opened after a connection exists is still listed among the
   * listeners, before the connections, where the reading stops.
   */
  @Test
  void aListenerOpenedAfterAConnectionIsFound() throws Exception {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (ServerSocket first = new ServerSocket(0, 1, loopback);
        Socket client = new Socket(loopback, first.getLocalPort());
        Socket accepted = first.accept();
        ServerSocket later = new ServerSocket(0, 1, loopback)) {
      long self = ProcessHandle.current().pid();
      List<ProcStat> owners = new PortOwners().listening(later.getLocalPort());
      assertTrue(owners.stream().anyMatch(p -> p.pid() == self), "not found: " + owners);
      assertTrue(client.isConnected() && accepted.isConnected());
    }
  }

  /**
   * The kernel lists the listeners first; reading on past them made it walk its whole table of
   * connections (4.6 ms, while a restart waited). A fake table with a "listener" after the first
   * connection, which the kernel never writes, shows where the reading stops.
   */
  @Test
  void readsTheListenersOnlyAndStopsAtTheFirstConnection(@TempDir Path root) throws Exception {
    String header =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout"
            + " inode\n";
    Files.createDirectories(root.resolve("net"));
    Files.writeString(
        root.resolve("net/tcp"),
        header
            + line(0, "0100007F:1F90", "00000000:0000", "0A", 111) // 127.0.0.1:8080, listening
            + line(1, "0100007F:1F90", "0100007F:C350", "01", 112) // a connection to it
            + line(2, "0100007F:22B8", "00000000:0000", "0A", 113)); // 8888: never written here
    Path fd = Files.createDirectories(root.resolve("4242/fd"));
    Files.createSymbolicLink(fd.resolve("3"), Path.of("socket:[111]"));
    Files.createSymbolicLink(fd.resolve("4"), Path.of("socket:[113]"));
    Files.writeString(root.resolve("4242/stat"), "4242 (python3) S 1 4242 4242 0 -1 0\n");

    PortOwners owners = new PortOwners(root);
    assertEquals(List.of(4242), owners.listening(8080).stream().map(ProcStat::pid).toList());
    assertEquals(List.of(), owners.listening(8888), "read past the first connection");
  }

  private static String line(int sl, String local, String remote, String state, long inode) {
    return String.format(
        "%4d: %s %s %s 00000000:00000000 00:00000000 00000000     0        0 %d 1 0000000000000000"
            + " 100 0 0 10 0\n",
        sl, local, remote, state, inode);
  }
}
