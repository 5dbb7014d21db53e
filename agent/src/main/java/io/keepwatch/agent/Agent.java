package io.keepwatch.agent;

import io.keepwatch.agent.config.AgentConfig;
import io.keepwatch.agent.config.ConfigError;
import io.keepwatch.agent.endpoints.AgentInfo;
import io.keepwatch.agent.endpoints.ControlSocket;
import io.keepwatch.agent.endpoints.EndpointHandler;
import io.keepwatch.agent.endpoints.HttpEndpoint;
import io.keepwatch.agent.endpoints.NetworkListener;
import io.keepwatch.agent.keepalived.NotifyFifoReader;
import io.keepwatch.agent.keepalived.TrackFileWriter;
import io.keepwatch.agent.keepalived.VrrpRoles;
import io.keepwatch.agent.metrics.ConfigFingerprint;
import io.keepwatch.agent.metrics.KeepwatchMeters;
import io.keepwatch.agent.metrics.MetricsEndpoint;
import io.keepwatch.agent.schedule.Periodic;
import io.keepwatch.agent.supervisor.OperatorControl;
import io.keepwatch.agent.systemd.SdNotify;
import io.keepwatch.agent.systemd.SystemdNotifier;
import io.keepwatch.agent.verdict.Judge;
import io.keepwatch.agent.verdict.NodeState;
import io.keepwatch.agent.verdict.Snapshot;
import io.keepwatch.agent.verdict.Verdict;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * The running agent: a {@link Core} (probes, verdict, supervisor) behind endpoints, the track file,
 * the notify FIFO and the metrics, which all outlive a config reload.
 *
 * <p>Threads, each named: those of the {@code Core}, plus {@code keepwatch-http} (both endpoints,
 * never shared with probes; answers /check), {@code keepwatch-http-documents} (/metrics, /status
 * and / over TCP, so a flood of those does not delay /check) and {@code keepwatch-metrics} (renders
 * /metrics, runs nginx -T now and then, verifies the track file).
 */
public final class Agent implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger("keepwatch");

  /** Maintenance mode is kept in this file, next to the control socket. */
  static final String MAINTENANCE_FILE = "maintenance.json";

  /** How long a reload waits for the new probes' first verdict before giving up on it. */
  static final Duration RELOAD_VERDICT_WAIT = Duration.ofSeconds(10);

  private final AgentInfo info;
  private final Clock clock = Clock.systemUTC();
  private final EpollEventLoopGroup httpLoop;

  /** /metrics, /status and /: bigger answers, on their own thread (see EndpointHandler). */
  private final EpollEventLoopGroup documentsLoop;

  private final MetricsEndpoint metrics;
  private final KeepwatchMeters meters;

  /** Renders /metrics and refreshes the config fingerprint: slow-ish work off every hot path. */
  private final ScheduledThreadPoolExecutor metricsThread;

  private final ConfigFingerprint fingerprint;
  private HttpEndpoint http;
  private NetworkListener network;
  private ControlSocket control;
  private final VrrpRoles vrrp;
  private final Optional<NotifyFifoReader> notifyFifo;
  private final Optional<TrackFileWriter> trackFile;
  private Optional<SystemdNotifier> systemd = Optional.empty();
  private volatile AgentConfig config;
  private volatile Core core;

  private Agent(AgentConfig config, AgentInfo info) {
    this.config = config;
    this.info = info;
    httpLoop = new EpollEventLoopGroup(1, new DefaultThreadFactory("keepwatch-http", true));
    documentsLoop =
        new EpollEventLoopGroup(1, new DefaultThreadFactory("keepwatch-http-documents", true));
    metrics = new MetricsEndpoint(config.nginxMetricsProbe());
    meters =
        new KeepwatchMeters(metrics.registry(), config.probes(), this::snapshot, info.version());
    metricsThread =
        new ScheduledThreadPoolExecutor(1, new DefaultThreadFactory("keepwatch-metrics", true));
    fingerprint =
        new ConfigFingerprint(config.nginx().configDump(), config.nginx().commandTimeout(), meters);
    vrrp = new VrrpRoles(metrics.registry(), clock);
    notifyFifo = config.notifyFifo().map(path -> new NotifyFifoReader(path, vrrp));
    trackFile = config.trackFile().map(file -> new TrackFileWriter(file, this::snapshot));
    core = new Core(config, info, metrics, meters, clock);
    trackFile.ifPresent(core.judge()::addListener);
  }

  private Snapshot snapshot() {
    return core.judge().snapshot();
  }

  /**
   * Starts probing, supervising and serving.
   *
   * @throws IOException when an endpoint cannot be bound; nothing is left running then
   */
  public static Agent start(AgentConfig config, AgentInfo info) throws IOException {
    Agent agent = new Agent(config, info);
    try {
      EndpointHandler.Sources sources =
          new EndpointHandler.Sources(
              agent::snapshot,
              () -> agent.core.supervisor().recentActions(),
              agent.vrrp::roles,
              info,
              agent.metrics,
              agent.meters);
      agent.http =
          HttpEndpoint.bind(
              config.httpListen(),
              agent.httpLoop,
              new EndpointHandler(
                  sources, Optional.empty(), Optional.of(agent.documentsLoop.next())));
      agent.network =
          NetworkListener.start(config.network(), agent.documentsLoop, sources, agent.meters);
      agent.control =
          ControlSocket.bind(
              config.controlSocket(),
              config.controlGroup(),
              agent.httpLoop,
              new EndpointHandler(sources, Optional.of(agent.new CurrentSupervisor())));
    } catch (IOException | RuntimeException e) {
      agent.close();
      throw e;
    }
    agent.systemd = agent.notifySystemd(config);
    agent.core.startSupervising();
    agent.core.startProbing();
    agent.metrics.startRendering(agent.metricsThread);
    agent.notifyFifo.ifPresent(NotifyFifoReader::start);
    agent.trackFile.ifPresent(TrackFileWriter::start);
    agent.trackFile.ifPresent(
        t ->
            Periodic.withFixedDelay(
                agent.metricsThread,
                "verifying the track file",
                t::verify,
                Duration.ofSeconds(1),
                Duration.ofSeconds(1)));
    if (!config.nginx().fingerprintInterval().isZero()) {
      agent.fingerprint.start(agent.metricsThread, config.nginx().fingerprintInterval());
    }
    return agent;
  }

  /** Maintenance and reset go to whichever supervisor is current (a reload replaces it). */
  private final class CurrentSupervisor implements OperatorControl {
    @Override
    public CompletableFuture<String> maintenance(boolean on, String reason) {
      return core.supervisor().maintenance(on, reason);
    }

    @Override
    public CompletableFuture<String> reset() {
      return core.supervisor().reset();
    }
  }

  /**
   * Applies a new configuration without a gap in the answers: new probes start beside the running
   * ones, and only once they have a verdict does the new core take over (the old one answers until
   * then). What the endpoints, the track file, the FIFO or the nginx_* metrics were built from
   * cannot change this way; such a change is refused whole, and so is a new configuration whose
   * probes give no verdict in time. The running configuration then stays.
   *
   * @return whether it was applied, and one line saying what happened, for the log
   */
  public synchronized Reload reload(ConfigSource source) {
    AgentConfig next;
    try {
      next = source.load();
    } catch (ConfigError e) {
      return refused(
          "config reload refused: " + e.getMessage() + "; keeping the running configuration");
    }
    Optional<String> fixed = ReloadScope.restartOnlyChange(config, next);
    if (fixed.isPresent()) {
      return refused(
          "config reload from "
              + next.source()
              + " refused: "
              + fixed.get()
              + " changed, which needs a restart (systemctl restart keepwatch); keeping the running configuration");
    }
    meters.useProbes(next.probes());
    Core fresh = new Core(next, info, metrics, meters, clock);
    CompletableFuture<Void> judged = new CompletableFuture<>();
    fresh
        .judge()
        .addListener(
            new Judge.Listener() {
              @Override
              public void probeVerdictChanged(Verdict before, Verdict after) {
                if (after.state() != NodeState.STARTING) {
                  judged.complete(null);
                }
              }
            });
    fresh.startProbing();
    try {
      judged.get(RELOAD_VERDICT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // no verdict in time: refused below
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!judged.isDone()) {
      fresh.close();
      meters.useProbes(config.probes());
      return refused(
          "config reload from "
              + next.source()
              + " refused: its probes gave no verdict within "
              + RELOAD_VERDICT_WAIT.toSeconds()
              + " s; keeping the running configuration");
    }
    Core old = core;
    old.stopSupervising();
    old.finishRunningCommands(config.nginx().commandTimeout());
    fresh.startSupervising();
    trackFile.ifPresent(fresh.judge()::addListener);
    systemd.ifPresent(fresh.judge()::addListener);
    core = fresh;
    config = next;
    old.close();
    trackFile.ifPresent(TrackFileWriter::verify);
    meters.reloaded(true);
    return new Reload(
        true,
        "config reloaded from "
            + next.source()
            + ": "
            + next.probes().size()
            + " probes; verdict "
            + fresh.judge().snapshot().verdict().state());
  }

  private Reload refused(String line) {
    meters.reloaded(false);
    return new Reload(false, line);
  }

  /** Where a reload reads the configuration from (the file given at start, or the default). */
  @FunctionalInterface
  public interface ConfigSource {
    AgentConfig load() throws ConfigError;
  }

  /** What a reload did: applied, or refused with the running configuration kept; one line why. */
  public record Reload(boolean applied, String line) {}

  public Judge judge() {
    return core.judge();
  }

  /** The configuration running now. */
  public AgentConfig config() {
    return config;
  }

  public HttpEndpoint http() {
    return http;
  }

  /** The listener for other hosts (empty when network.listen is []). */
  public NetworkListener network() {
    return network;
  }

  public Path controlSocket() {
    return control.path();
  }

  /** Type=notify: from here on systemd hears about verdicts; absent when not run by systemd. */
  private Optional<SystemdNotifier> notifySystemd(AgentConfig config) {
    Optional<SdNotify> notify;
    try {
      notify = SdNotify.fromEnvironment(httpLoop);
    } catch (RuntimeException e) {
      LOG.warning(
          "cannot reach $NOTIFY_SOCKET ("
              + System.getenv("NOTIFY_SOCKET")
              + "): "
              + e
              + "; running without telling systemd (READY, STATUS, WATCHDOG)");
      return Optional.empty();
    }
    // The scheduler is stuck if the slowest probe missed three of its runs (at least 5 s).
    Duration slowest =
        config.probes().stream()
            .map(p -> p.interval().plus(p.timeout()))
            .max(Duration::compareTo)
            .orElse(Duration.ofSeconds(1));
    Duration stalledAfter =
        slowest.multipliedBy(3).compareTo(Duration.ofSeconds(5)) > 0
            ? slowest.multipliedBy(3)
            : Duration.ofSeconds(5);
    return notify.map(
        n -> {
          SystemdNotifier notifier =
              new SystemdNotifier(n, () -> core.scheduler().lastResultNanos(), stalledAfter);
          core.judge().addListener(notifier);
          notifier.startWatchdog(metricsThread);
          return notifier;
        });
  }

  @Override
  public void close() {
    systemd.ifPresent(SystemdNotifier::close);
    Core last = core;
    last.close();
    trackFile.ifPresent(TrackFileWriter::close); // after the probes: nothing may write "up" again
    notifyFifo.ifPresent(NotifyFifoReader::close);
    if (control != null) {
      control.close();
    }
    if (network != null) {
      network.close();
    }
    if (http != null) {
      http.close();
    }
    metricsThread.shutdownNow();
    Future<?> httpDone = httpLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    Future<?> documentsDone = documentsLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    httpDone.awaitUninterruptibly(2, TimeUnit.SECONDS);
    documentsDone.awaitUninterruptibly(2, TimeUnit.SECONDS);
    fingerprint.close();
    metrics.close();
  }
}
