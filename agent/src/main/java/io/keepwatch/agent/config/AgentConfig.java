package io.keepwatch.agent.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The whole validated configuration, read once at start. Immutable; every default came from
 * reference.conf, so no code holds a second copy of one.
 *
 * @param source what was loaded, for messages ("/etc/keepwatch/keepwatch.conf" or "defaults")
 * @param httpListen where the read-only HTTP endpoint listens (port 0: any free port)
 * @param controlSocket the unix control socket's path
 * @param nginx how to find, test and restart nginx
 * @param probes the probes, in the order of their names
 * @param restart the restart policy
 * @param escalation what happens when restarts cannot help
 * @param trackFile the keepalived track_file, if any
 * @param notifyFifo keepalived's vrrp_notify_fifo, if any
 */
public record AgentConfig(
    String source,
    InetSocketAddress httpListen,
    Path controlSocket,
    Nginx nginx,
    List<ProbeSpec> probes,
    Restart restart,
    Escalation escalation,
    Optional<TrackFile> trackFile,
    Optional<Path> notifyFifo) {

  public AgentConfig {
    probes = List.copyOf(probes);
  }

  /**
   * @param pidfile nginx's pidfile
   * @param configTest argv of the config test
   * @param restart argv of the restart command
   */
  public record Nginx(Path pidfile, List<String> configTest, List<String> restart) {
    public Nginx {
      configTest = List.copyOf(configTest);
      restart = List.copyOf(restart);
    }
  }

  /**
   * @param enabled whether to restart at all
   * @param maxAttempts restarts allowed within the window
   * @param window the sliding window
   * @param grace time a restarted nginx gets to become healthy
   */
  public record Restart(boolean enabled, int maxAttempts, Duration window, Duration grace) {}

  /**
   * @param commands argv lists run once on escalation
   * @param sticky whether only a reset leaves ESCALATED
   */
  public record Escalation(List<List<String>> commands, boolean sticky) {
    public Escalation {
      commands = commands.stream().map(List::copyOf).toList();
    }
  }

  /**
   * @param path the file keepalived tracks
   * @param upValue written while UP
   * @param downValue written otherwise
   */
  public record TrackFile(Path path, int upValue, int downValue) {}
}
