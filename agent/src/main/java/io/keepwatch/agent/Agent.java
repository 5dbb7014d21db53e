package io.keepwatch.agent;

import io.keepwatch.agent.config.AgentConfig;
import io.keepwatch.agent.config.ConfigError;
import io.keepwatch.agent.endpoints.AgentInfo;
import io.keepwatch.agent.endpoints.ControlSocket;
import io.keepwatch.agent.endpoints.EndpointHandler;
import io.keepwatch.agent.endpoints.HttpEndpoint;
import io.keepwatch.agent.endpoints.NetworkListener;
import io.keepwatch.agent.endpoints.ReloadControl;
import io.keepwatch.agent.keepalived.AgentLease;
import io.keepwatch.agent.keepalived.KeepalivedView;
import io.keepwatch.agent.keepalived.KeepalivedWatch;
import io.keepwatch.agent.keepalived.NotifyFifoReader;
import io.keepwatch.agent.keepalived.TrackFileWriter;
import io.keepwatch.agent.keepalived.VrrpRoles;
import io.keepwatch.agent.metrics.ConfigFingerprint;
import io.keepwatch.agent.metrics.KeepwatchMeters;
import io.keepwatch.agent.metrics.MetricsEndpoint;
import io.keepwatch.agent.schedule.Periodic;
import io.keepwatch.agent.supervisor.ActionJournal;
import io.keepwatch.agent.supervisor.CommandRunner;
import io.keepwatch.agent.supervisor.OperatorControl;
import io.keepwatch.agent.systemd.SdNotify;
import io.keepwatch.agent.systemd.SystemdNotifier;
import io.keepwatch.agent.verdict.Judge;
import io.keepwatch.agent.verdict.NodeState;
import io.keepwatch.agent.verdict.Snapshot;
import io.keepwatch.agent.verdict.Verdict;
import io.keepwatch.probes.process.ProcFs;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * The running agent: a {@link Core} (probes, verdict, supervisor) behind endpoints, the track file,
 * the notify FIFO, the metrics and the action journal, which all outlive a config reload.
 *
 * <p>Who listens to the verdict is decided in one place, {@link #outlivingListeners}: every core,
 * the first and each one a reload brings, is attached to that same list when it takes charge.
 *
 * <p>Threads, each named: those of the {@code Core}, plus {@code keepwatch-http} (both endpoints,
 * never shared with probes; answers /check), {@code keepwatch-http-documents} (/metrics, /status
 * and /, rendered there, so a flood of those does not delay /check) and {@code keepwatch-metrics}
 * (background work that may block for a moment: runs nginx -T now and then, verifies the track
 * file, renews the lease, watches keepalived). {@link #reload} and {@link #close} are synchronized:
 * a stop waits for a reload in flight (and cuts its wait for a verdict short), and a reload after a
 * stop is refused.
 */
public final class Agent implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger("keepwatch");

  /** How long a reload waits for the new probes' first verdict before giving up on it. */
  static final Duration RELOAD_VERDICT_WAIT = Duration.ofSeconds(10);

  private final AgentInfo info;
  private final Clock clock = Clock.systemUTC();
  private final EpollEventLoopGroup httpLoop;

  /** /metrics, /status and /: bigger answers, on their own thread (see EndpointHandler). */
  private final EpollEventLoopGroup documentsLoop;

  private final MetricsEndpoint metrics;
  private final KeepwatchMeters meters;

  /** Refreshes the config fingerprint, the lease and the track file: off every hot path. */
  private final ScheduledThreadPoolExecutor metricsThread;

  private final ConfigFingerprint fingerprint;
  private final ActionJournal journal;
  private final VrrpRoles vrrp;
  private final Optional<NotifyFifoReader> notifyFifo;
  private final Optional<TrackFileWriter> trackFile;
  private final AgentLease lease;
  private final Optional<KeepalivedWatch> keepalivedWatch;
  private final Optional<SystemdNotifier> systemd;
  private final List<Judge.Listener> outlivingListeners;
  private final HttpEndpoint http;
  private final NetworkListener network;
  private final ControlSocket control;

  /** Completed when a stop begins: a reload waiting for a verdict gives up at once. */
  private final CompletableFuture<Void> stopping = new CompletableFuture<>();

  private volatile AgentConfig config;
  private volatile Core core;
  private boolean closed; // guarded by this

  /** Builds everything and binds the endpoints; nothing runs yet (see {@link #start}). */
  private Agent(AgentConfig config, AgentInfo info, Optional<ReloadControl> reloads)
      throws IOException {
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
    journal = new ActionJournal(clock);
    vrrp = new VrrpRoles(clock, meters);
    notifyFifo = config.notifyFifo().map(path -> new NotifyFifoReader(path, vrrp));
    boolean keepalivedWatchesAgent = config.keepalived().trackProcess().isPresent();
    trackFile =
        config
            .trackFile()
            .map(file -> new TrackFileWriter(file, this::snapshot, keepalivedWatchesAgent));
    lease =
        new AgentLease(
            config.controlSocket(), config.keepalived().agentGoneAfter(), this::snapshot);
    keepalivedWatch =
        config
            .keepalived()
            .pidfile()
            .map(
                pidfile ->
                    new KeepalivedWatch(
                        pidfile,
                        config.keepalived().vips(),
                        config.keepalived().goneCommands(),
                        vrrp::roles,
                        journal,
                        new CommandRunner(config.escalation().commandTimeout()),
                        new ProcFs(),
                        clock));
    keepalivedWatch.ifPresent(w -> meters.watchKeepalived(() -> w.state().up()));
    systemd = systemdNotifier(config);
    outlivingListeners = outlivingListeners();
    core = new Core(config, info, meters, journal, clock);
    HttpEndpoint boundHttp = null;
    NetworkListener boundNetwork = null;
    try {
      EndpointHandler.Sources sources =
          new EndpointHandler.Sources(
              this::snapshot, journal::recent, this::keepalivedView, info, metrics, meters);
      boundHttp =
          HttpEndpoint.bind(
              config.httpListen(),
              httpLoop,
              new EndpointHandler(sources, Optional.empty(), Optional.of(documentsLoop.next())));
      boundNetwork = NetworkListener.start(config.network(), documentsLoop, sources, meters);
      control =
          ControlSocket.bind(
              config.controlSocket(),
              config.controlGroup(),
              httpLoop,
              new EndpointHandler(
                  sources,
                  Optional.of(new CurrentSupervisor()),
                  reloads,
                  Optional.of(documentsLoop.next())));
    } catch (IOException | RuntimeException e) {
      if (boundNetwork != null) {
        boundNetwork.close();
      }
      if (boundHttp != null) {
        boundHttp.close();
      }
      core.close();
      closeParts();
      throw e;
    }
    http = boundHttp;
    network = boundNetwork;
  }

  /**
   * The listeners that outlive a reload, in the order they hear an event: the log first, then the
   * metrics, then what tells keepalived and systemd.
   */
  private List<Judge.Listener> outlivingListeners() {
    List<Judge.Listener> listeners = new ArrayList<>();
    listeners.add(new VerdictLog());
    listeners.add(meters);
    listeners.add(metrics.nginx());
    listeners.add(lease);
    trackFile.ifPresent(listeners::add);
    systemd.ifPresent(listeners::add);
    return List.copyOf(listeners);
  }

  private Snapshot snapshot() {
    return core.judge().snapshot();
  }

  private KeepalivedView keepalivedView() {
    return new KeepalivedView(vrrp.roles(), keepalivedWatch.map(KeepalivedWatch::state));
  }

  /**
   * Starts probing, supervising and serving.
   *
   * @throws IOException when an endpoint cannot be bound; nothing is left running then
   */
  public static Agent start(AgentConfig config, AgentInfo info) throws IOException {
    return start(config, info, Optional.empty());
  }

  /**
   * Starts probing, supervising and serving, with POST /reload on the control socket going to
   * {@code reloads}.
   *
   * @throws IOException when an endpoint cannot be bound; nothing is left running then
   */
  public static Agent start(AgentConfig config, AgentInfo info, ReloadControl reloads)
      throws IOException {
    return start(config, info, Optional.of(reloads));
  }

  private static Agent start(AgentConfig config, AgentInfo info, Optional<ReloadControl> reloads)
      throws IOException {
    Agent agent = new Agent(config, info, reloads);
    agent.startParts();
    return agent;
  }

  private void startParts() {
    warnIfKeepalivedCannotSeeTheAgent();
    lease
        .held()
        .filter(held -> held.answers().servingUp()) // a lease of 503s keeps nothing worth keeping
        .ifPresent(
            held -> {
              LOG.info(
                  "keeping the previous agent's answers (/check "
                      + (held.answers().checkUp() ? "200" : "503")
                      + ", /check/serving "
                      + (held.answers().servingUp() ? "200" : "503")
                      + ") until the first verdict, at most "
                      + held.left().toMillis()
                      + " ms more (its lease "
                      + lease.path()
                      + ")");
              core.inheritFor(held.answers(), held.left());
            });
    core.attach(outlivingListeners, core.judge().snapshot().verdict());
    core.startSupervising();
    core.startProbing();
    notifyFifo.ifPresent(NotifyFifoReader::start);
    trackFile.ifPresent(TrackFileWriter::start);
    trackFile.ifPresent(
        t ->
            Periodic.withFixedDelay(
                metricsThread,
                "verifying the track file",
                t::verify,
                Duration.ofSeconds(1),
                Duration.ofSeconds(1)));
    systemd.ifPresent(s -> s.startWatchdog(metricsThread));
    Periodic.withFixedDelay(
        metricsThread, "renewing the lease", lease::renew, Duration.ZERO, Duration.ofSeconds(1));
    keepalivedWatch.ifPresent(
        w ->
            Periodic.withFixedDelay(
                metricsThread,
                "watching keepalived",
                w::check,
                Duration.ZERO,
                Duration.ofMillis(500)));
    if (!config.nginx().fingerprintInterval().isZero()) {
      fingerprint.start(metricsThread, config.nginx().fingerprintInterval());
    }
  }

  /**
   * keepalived's vrrp_track_process finds the agent by its process name (/proc/PID/comm): the
   * launcher gives it one. Run any other way (java -jar), keepalived sees no agent and takes the
   * node out: say so at start rather than let an operator find out at the next failover.
   */
  private void warnIfKeepalivedCannotSeeTheAgent() {
    Optional<String> expected = config.keepalived().trackProcess();
    if (expected.isEmpty()) {
      return;
    }
    String comm;
    try {
      comm = java.nio.file.Files.readString(Path.of("/proc/self/comm")).strip();
    } catch (IOException e) {
      comm = "unknown (" + e.getMessage() + ")";
    }
    if (!comm.equals(expected.get())) {
      LOG.severe(
          "this agent's process is named '"
              + comm
              + "', but keepalived.track-process says keepalived watches '"
              + expected.get()
              + "': keepalived will not see this agent and will take the node out; start it"
              + " through the keepwatch launcher (KEEPWATCH_PROCESS_NAME names the process)");
    }
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
    if (closed || stopping.isDone()) {
      return refused("config reload refused: the agent is stopping");
    }
    AgentConfig next;
    try {
      next = source.load();
    } catch (ConfigError e) {
      int more = e.all().size() - 1;
      return refused(
          "config reload refused: "
              + e.getMessage()
              + (more > 0 ? " (and " + more + " more: keepwatch config check lists them)" : "")
              + "; keeping the running configuration");
    }
    Optional<String> fixed = ReloadScope.restartOnlyChange(config, next);
    if (fixed.isPresent()) {
      return refused(
          "config reload from "
              + next.source()
              + " refused: "
              + fixed.get()
              + " changed, which needs a restart (systemctl restart keepwatch); keeping the"
              + " running configuration");
    }
    meters.useProbes(next.probes());
    Core fresh = new Core(next, info, meters, journal, clock);
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
    awaitVerdictOrStop(judged);
    if (!judged.isDone() || stopping.isDone()) {
      fresh.close();
      meters.useProbes(config.probes());
      return refused(
          stopping.isDone()
              ? "config reload from " + next.source() + " abandoned: the agent is stopping"
              : "config reload from "
                  + next.source()
                  + " refused: its probes gave no verdict within "
                  + RELOAD_VERDICT_WAIT.toSeconds()
                  + " s; keeping the running configuration");
    }
    Core old = core;
    old.stopSupervising();
    Verdict lastHeard = old.judge().snapshot().verdict();
    old.detach(outlivingListeners);
    core = fresh;
    config = next;
    fresh.startSupervising();
    fresh.attach(outlivingListeners, lastHeard);
    old.close();
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

  /** A reload that failed outside {@link #reload} (a bug): counted as refused all the same. */
  public void reloadFailed() {
    meters.reloaded(false);
  }

  private void awaitVerdictOrStop(CompletableFuture<Void> judged) {
    try {
      CompletableFuture.anyOf(judged, stopping)
          .get(RELOAD_VERDICT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // no verdict in time: the caller refuses the reload
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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

  /** The listener for other hosts (bound to nothing when network.listen is []). */
  public NetworkListener network() {
    return network;
  }

  public Path controlSocket() {
    return control.path();
  }

  /** Type=notify: the notifier when systemd runs the agent, else empty. */
  private Optional<SystemdNotifier> systemdNotifier(AgentConfig config) {
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
        n -> new SystemdNotifier(n, () -> core.scheduler().lastResultNanos(), stalledAfter));
  }

  /**
   * Stops everything: supervising first (a restart in flight may finish, see {@link
   * Core#stopSupervising}), then the probes, the track file (down), the FIFO and the endpoints.
   */
  @Override
  public void close() {
    stopping.complete(null);
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      systemd.ifPresent(SystemdNotifier::close);
      core.close();
      trackFile.ifPresent(TrackFileWriter::close); // after the probes: nothing may write "up" again
      if (trackFile.isPresent() && config.keepalived().trackProcess().isEmpty()) {
        lease.surrender(); // the track file says down: nothing may stand for this agent
      }
      notifyFifo.ifPresent(NotifyFifoReader::close);
      control.close();
      network.close();
      http.close();
      closeParts();
    }
  }

  /** What the constructor made besides the core and the endpoints: threads, the registry. */
  private void closeParts() {
    metricsThread.shutdownNow();
    Future<?> httpDone = httpLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    Future<?> documentsDone = documentsLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    httpDone.awaitUninterruptibly(2, TimeUnit.SECONDS);
    documentsDone.awaitUninterruptibly(2, TimeUnit.SECONDS);
    fingerprint.close();
    metrics.close();
  }
}
