package io.keepwatch.agent.it;

import io.keepwatch.agent.Commands;
import io.keepwatch.agent.Commands.Result;
import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;

/**
 * Whether this machine lets the tests build network namespaces: root, and the capabilities to
 * create one and a veth pair in it (CAP_SYS_ADMIN, CAP_NET_ADMIN), which a container's own
 * processes often lack. Tried once for real, then remembered; a test that needs them skips with
 * what failed.
 */
final class NetworkNamespaces {

  private static String unusable; // null: not tried yet; "": usable

  private NetworkNamespaces() {}

  static synchronized void assumeUsable() throws IOException, InterruptedException {
    if (unusable == null) {
      unusable = tryOne();
    }
    Assumptions.assumeTrue(unusable.isEmpty(), unusable);
  }

  private static String tryOne() throws IOException, InterruptedException {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "network namespaces need root (CI runs as root)";
    }
    String name = "kwprobe" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 20));
    Result add = Commands.run("ip", "netns", "add", name);
    if (add.exitCode() != 0) {
      return "cannot create a network namespace here (CAP_SYS_ADMIN?): ip netns add: "
          + add.output().strip();
    }
    try {
      Result link =
          Commands.run(
              "ip", "-n", name, "link", "add", "probe0", "type", "veth", "peer", "name", "probe1");
      return link.exitCode() == 0
          ? ""
          : "cannot create links in a network namespace here (CAP_NET_ADMIN?): ip link add: "
              + link.output().strip();
    } finally {
      Commands.run("ip", "netns", "del", name);
    }
  }
}
