package io.keepwatch.agent.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.TestProbes;
import io.netty.channel.epoll.EpollEventLoopGroup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** sd_notify against real unix datagram sockets, bound by a separate process as systemd would. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SdNotifyTest {

  static EpollEventLoopGroup loop;

  @BeforeAll
  static void start() {
    loop = new EpollEventLoopGroup(1);
  }

  @AfterAll
  static void stop() {
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** A python3 receiver bound to {@code address} that prints the first datagram it gets. */
  static Process receiver(String address) throws Exception {
    String script =
        """
            import socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            a = sys.argv[1]
            s.bind('\\0' + a[1:] if a.startswith('@') else a)
            print('bound', flush=True)
            s.settimeout(10)
            print(s.recv(4096).decode().replace('\\n', '|'), flush=True)
            """;
    Process p =
        new ProcessBuilder("/usr/bin/python3", "-c", script, address)
            .redirectErrorStream(true)
            .start();
    String bound = new String(p.getInputStream().readNBytes(6), StandardCharsets.UTF_8);
    assertEquals("bound\n", bound);
    return p;
  }

  static String received(Process p) throws Exception {
    assertTrue(p.waitFor(15, TimeUnit.SECONDS), "the receiver got nothing");
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
  }

  @Test
  void sendsToAPathSocket(@TempDir Path dir) throws Exception {
    String socket = dir.resolve("notify").toString();
    Process p = receiver(socket);
    try (SdNotify notify = SdNotify.to(socket, loop)) {
      notify.send("READY=1\nSTATUS=UP");
      assertEquals("READY=1|STATUS=UP", received(p));
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void sendsToAnAbstractSocketAsSystemdNamesIt() throws Exception {
    String socket = "@keepwatch-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    Process p = receiver(socket);
    try (SdNotify notify = SdNotify.to(socket, loop)) {
      notify.send("WATCHDOG=1");
      assertEquals("WATCHDOG=1", received(p));
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void readyComesWithTheFirstVerdictNotBefore(@TempDir Path dir) throws Exception {
    String socket = dir.resolve("notify").toString();
    Process p = receiver(socket);
    var spec = TestProbes.tcp("port", 2, true);
    var judge =
        new io.keepwatch.agent.verdict.Judge(java.util.List.of(spec), java.time.Clock.systemUTC());
    try (SdNotify notify = SdNotify.to(socket, loop)) {
      SystemdNotifier notifier =
          new SystemdNotifier(notify, System::nanoTime, java.time.Duration.ofSeconds(5));
      judge.addListener(notifier);
      judge.record(
          "port", io.keepwatch.probes.ProbeResult.ok("connected")); // still STARTING: nothing sent
      judge.record("port", io.keepwatch.probes.ProbeResult.ok("connected")); // UP: READY
      assertEquals("READY=1|STATUS=UP", received(p));
    } finally {
      p.destroyForcibly();
    }
  }
}
