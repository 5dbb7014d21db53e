package io.keepwatch.agent.config;

import java.net.InetSocketAddress;
import java.net.URI;
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
 * @param controlGroup the group that may use the control socket; empty for the agent's own
 * @param nginx how to find, test and restart nginx
 * @param probes the probes, in the order of their names
 * @param restart the restart policy
 * @param escalation what happens when restarts cannot help
 * @param trackFile the keepalived track_file, if any
 * @param notifyFifo keepalived's vrrp_notify_fifo, if any
 * @param keepalived how the agent watches keepalived and how keepalived watches the agent
 * @param network the listener for other hosts (Prometheus), if any
 */
public record AgentConfig(
    String source,
    InetSocketAddress httpListen,
    Path controlSocket,
    Optional<String> controlGroup,
    Nginx nginx,
    List<ProbeSpec> probes,
    Restart restart,
    Escalation escalation,
    Optional<TrackFile> trackFile,
    Optional<Path> notifyFifo,
    Keepalived keepalived,
    Network network) {

  public AgentConfig {
    probes = List.copyOf(probes);
  }

  /** The first stub-status probe: it feeds the exporter-compatible nginx_* metrics. */
  public Optional<String> nginxMetricsProbe() {
    return probes.stream()
        .filter(p -> p.target().feedsNginxMetrics())
        .map(ProbeSpec::name)
        .findFirst();
  }

  /**
   * How to find, test and restart nginx.
   *
   * @param pidfile nginx's pidfile
   * @param configTest argv of the config test
   * @param restart argv of the restart command
   * @param commandTimeout when a config test or restart is killed
   * @param configDump argv whose output is nginx's effective config, for the fingerprint
   * @param fingerprintInterval how often the fingerprint is refreshed; zero for never
   */
  public record Nginx(
      Path pidfile,
      List<String> configTest,
      List<String> restart,
      Duration commandTimeout,
      List<String> configDump,
      Duration fingerprintInterval) {
    public Nginx {
      configTest = List.copyOf(configTest);
      restart = List.copyOf(restart);
      configDump = List.copyOf(configDump);
    }
  }

  /**
   * The restart policy.
   *
   * @param enabled whether to restart at all
   * @param maxAttempts restarts allowed within the window
   * @param window the sliding window
   * @param grace time a restarted nginx gets to become healthy
   * @param backoff the first wait before a further attempt; doubles, at most 30 s
   * @param holdVip how long /check keeps answering 200 during the first restart; zero for never
   */
  public record Restart(
      boolean enabled,
      int maxAttempts,
      Duration window,
      Duration grace,
      Duration backoff,
      Duration holdVip) {}

  /**
   * What happens when restarts cannot help.
   *
   * @param commands argv lists run once on escalation
   * @param sticky whether only a reset leaves ESCALATED
   * @param commandTimeout when an escalation command is killed
   * @param webhook where to POST the escalation, if anywhere
   * @param webhookTimeout the webhook's timeout
   */
  public record Escalation(
      List<List<String>> commands,
      boolean sticky,
      Duration commandTimeout,
      Optional<URI> webhook,
      Duration webhookTimeout) {
    public Escalation {
      commands = commands.stream().map(List::copyOf).toList();
    }
  }

  /**
   * The listener other hosts scrape: never the one keepwatch-check asks (http.listen stays on
   * loopback), so nothing configured here can fail keepalived's check.
   *
   * @param listen the addresses to listen on; empty for none
   * @param serve the paths it answers: "/metrics", and "/status" and "/" if the operator chose
   * @param webConfig TLS and basic auth (exporter-toolkit web config), if any
   */
  public record Network(
      List<InetSocketAddress> listen, java.util.Set<String> serve, Optional<WebConfig> webConfig) {
    public Network {
      listen = List.copyOf(listen);
      serve = java.util.Set.copyOf(serve);
    }
  }

  /**
   * The file keepalived's track_file watches.
   *
   * @param path the file keepalived tracks
   * @param upValue written while UP
   * @param downValue written otherwise
   */
  public record TrackFile(
      Path path, int upValue, int downValue, Optional<Path> degradedPath, int degradedValue) {}

  /**
   * How the agent watches keepalived, and how keepalived watches the agent.
   *
   * @param pidfile keepalived's pidfile, if the agent watches keepalived
   * @param trackProcess the process name keepalived's vrrp_track_process watches the agent by, if
   *     it does
   * @param agentGoneAfter how long the answers of an agent that is gone still stand (its lease)
   * @param vips the VIPs this node may hold as MASTER, to look for when keepalived is gone
   * @param goneCommands argv lists run once when a VIP stays here while keepalived is gone
   */
  public record Keepalived(
      Optional<Path> pidfile,
      Optional<String> trackProcess,
      Duration agentGoneAfter,
      List<java.net.InetAddress> vips,
      List<List<String>> goneCommands) {
    public Keepalived {
      vips = List.copyOf(vips);
      goneCommands = goneCommands.stream().map(List::copyOf).toList();
    }
  }
}
