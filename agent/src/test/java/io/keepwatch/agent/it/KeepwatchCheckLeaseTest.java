package io.keepwatch.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * keepwatch-check while the agent cannot be reached: the agent's lease stands for it until it runs
 * out, and only then does the check fail (or fall back to a TCP check of nginx).
 */
class KeepwatchCheckLeaseTest {

  @TempDir Path dir;
  Path lease;
  int closedPort;

  @BeforeEach
  void noAgent() throws Exception {
    lease = dir.resolve("lease");
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort(); // released: nothing listens there any more
    }
  }

  /** Hundredths of a second since boot, as keepwatch-check reads them. */
  static long uptime() throws Exception {
    String seconds = Files.readString(Path.of("/proc/uptime")).split(" ", 2)[0];
    return Long.parseLong(seconds.replace(".", ""));
  }

  int check(String... args) throws Exception {
    return KeepwatchCheck.run(closedPort, lease, args);
  }

  @Test
  void aRunningLeaseStandsForTheUnreachableAgent() throws Exception {
    Files.writeString(lease, "1 1 " + (uptime() + 300) + "\n");
    assertEquals(0, check());
    assertEquals(0, check("--serving"));
  }

  @Test
  void eachAnswerStandsForItsOwnEndpoint() throws Exception {
    Files.writeString(lease, "0 1 " + (uptime() + 300) + "\n"); // it was DEGRADED
    assertEquals(2, check());
    assertEquals(0, check("--serving"));
  }

  @Test
  void aLeaseThatRanOutOrMakesNoSenseStandsForNothing() throws Exception {
    Files.writeString(lease, "1 1 " + (uptime() - 1) + "\n");
    assertEquals(2, check());
    Files.writeString(lease, "1 1 soon\n");
    assertEquals(2, check());
    Files.writeString(lease, "1 1 099999999999999999999\n");
    assertEquals(2, check());
    Files.delete(lease);
    assertEquals(2, check(), "no lease at all");
  }

  @Test
  void theFallbackComesAfterTheLease() throws Exception {
    Files.writeString(lease, "0 0 " + (uptime() + 300) + "\n");
    try (ServerSocket nginx = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertEquals(0, check("--fallback-tcp", "127.0.0.1:" + nginx.getLocalPort()));
    }
  }
}
