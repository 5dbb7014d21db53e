package io.keepwatch.agent;

import io.keepwatch.agent.config.AgentConfig;
import io.keepwatch.agent.config.ProbeSpec;
import io.keepwatch.agent.endpoints.AgentInfo;
import io.keepwatch.agent.endpoints.ControlSocket;
import io.keepwatch.agent.endpoints.EndpointHandler;
import io.keepwatch.agent.endpoints.HttpEndpoint;
import io.keepwatch.agent.keepalived.NotifyFifoReader;
import io.keepwatch.agent.keepalived.TrackFileWriter;
import io.keepwatch.agent.keepalived.VrrpRoles;
import io.keepwatch.agent.metrics.ConfigFingerprint;
import io.keepwatch.agent.metrics.KeepwatchMeters;
import io.keepwatch.agent.metrics.MetricsEndpoint;
import io.keepwatch.agent.schedule.ProbeScheduler;
import io.keepwatch.agent.systemd.SdNotify;
import io.keepwatch.agent.systemd.SystemdNotifier;
import io.keepwatch.agent.supervisor.CommandRunner;
import io.keepwatch.agent.supervisor.Escalator;
import io.keepwatch.agent.supervisor.MaintenanceFile;
import io.keepwatch.agent.supervisor.Supervisor;
import io.keepwatch.agent.verdict.Judge;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The running agent: probes on a schedule, the verdict, the supervisor, and the endpoints, wired
 * together.
 *
 * <p>Threads, each named: {@code keepwatch-scheduler} (schedules runs, records results, judges,
 * decides what the supervisor does), {@code keepwatch-probe-io} (network probes),
 * {@code keepwatch-http} (both endpoints, never shared with probes), {@code keepwatch-actions}
 * (config test, restart and escalation commands, one at a time), {@code keepwatch-metrics}
 * (renders /metrics, runs nginx -T now and then), one
 * {@code keepwatch-proc-NAME} per process probe (short blocking /proc reads).
 */
public final class Agent implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger("keepwatch");

  /** Maintenance mode is kept in this file, next to the control socket. */
  static final String MAINTENANCE_FILE = "maintenance.json";

  private final NioEventLoopGroup probeLoop;
  private final EpollEventLoopGroup httpLoop;
  private final ScheduledThreadPoolExecutor schedulerThread;
  private final ExecutorService actionsThread;
  private final List<ExecutorService> blockingExecutors = new ArrayList<>();
  private final Judge judge;
  private final MetricsEndpoint metrics;
  private final KeepwatchMeters meters;
  private final Supervisor supervisor;
  private final ProbeScheduler scheduler;
  /** Renders /metrics and refreshes the config fingerprint: slow-ish work off every hot path. */
  private final ScheduledThreadPoolExecutor metricsThread;
  private final ConfigFingerprint fingerprint;
  private HttpEndpoint http;
  private ControlSocket control;
  private final VrrpRoles vrrp;
  private final Optional<NotifyFifoReader> notifyFifo;
  private final Optional<TrackFileWriter> trackFile;
  private Optional<SystemdNotifier> systemd = Optional.empty();

  private Agent(AgentConfig config, AgentInfo info) {
    Clock clock = Clock.systemUTC();
    probeLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("keepwatch-probe-io", true));
    httpLoop = new EpollEventLoopGroup(1, new DefaultThreadFactory("keepwatch-http", true));
    schedulerThread = new ScheduledThreadPoolExecutor(1, new DefaultThreadFactory("keepwatch-scheduler", true));
    schedulerThread.setRemoveOnCancelPolicy(true);
    actionsThread = Executors.newSingleThreadExecutor(new DefaultThreadFactory("keepwatch-actions", true));

    judge = new Judge(config.probes(), clock);
    judge.addListener(new VerdictLog());
    // The first stub-status probe feeds the exporter-compatible nginx_* metrics.
    Optional<String> stubFeed = config.probes().stream()
        .filter(p -> p.target() instanceof ProbeSpec.StubStatusTarget).map(ProbeSpec::name).findFirst();
    metrics = new MetricsEndpoint(stubFeed);
    meters = new KeepwatchMeters(metrics.registry(), config.probes(), judge::snapshot, info.version());
    judge.addListener(meters);
    judge.addListener(metrics.nginx());
    supervisor = new Supervisor(config, judge, schedulerThread, actionsThread,
        new CommandRunner(config.nginx().commandTimeout()),
        new Escalator(config.escalation(), info.node(), clock),
        new MaintenanceFile(config.controlSocket().resolveSibling(MAINTENANCE_FILE)),
        clock, System::nanoTime, meters);
    judge.addListener(supervisor);

    metricsThread = new ScheduledThreadPoolExecutor(1, new DefaultThreadFactory("keepwatch-metrics", true));
    fingerprint = new ConfigFingerprint(config.nginx().configDump(), config.nginx().commandTimeout(), meters);
    vrrp = new VrrpRoles(metrics.registry(), clock);
    notifyFifo = config.notifyFifo().map(path -> new NotifyFifoReader(path, vrrp));
    trackFile = config.trackFile().map(file -> new TrackFileWriter(file, judge::snapshot));
    trackFile.ifPresent(judge::addListener);

    ProbeFactory factory = new ProbeFactory(probeLoop, this::blockingExecutor,
        name -> metrics.nginx().fedBy(name) ? metrics.nginx()::pageFetched : page -> { });
    List<ProbeScheduler.Scheduled> scheduled = new ArrayList<>();
    for (ProbeSpec spec : config.probes()) {
      scheduled.add(new ProbeScheduler.Scheduled(spec.name(), factory.create(spec), spec.interval(),
          Math.max(spec.rise(), spec.fall())));
    }
    scheduler = new ProbeScheduler(scheduled, schedulerThread, judge::record);
  }

  /**
   * Starts probing, supervising and serving.
   *
   * @throws IOException when an endpoint cannot be bound; nothing is left running then
   */
  public static Agent start(AgentConfig config, AgentInfo info) throws IOException {
    Agent agent = new Agent(config, info);
    try {
      EndpointHandler.Sources sources = new EndpointHandler.Sources(
          agent.judge::snapshot, agent.supervisor::recentActions, agent.vrrp::roles, info, agent.metrics, agent.meters);
      agent.http = HttpEndpoint.bind(config.httpListen(), agent.httpLoop, new EndpointHandler(sources, Optional.empty()));
      agent.control = ControlSocket.bind(config.controlSocket(), config.controlGroup(), agent.httpLoop,
          new EndpointHandler(sources, Optional.of(agent.supervisor)));
    } catch (IOException | RuntimeException e) {
      agent.close();
      throw e;
    }
    agent.systemd = agent.notifySystemd(config);
    agent.schedulerThread.execute(agent.supervisor::start);
    agent.scheduler.start();
    agent.metrics.startRendering(agent.metricsThread);
    agent.notifyFifo.ifPresent(NotifyFifoReader::start);
    agent.trackFile.ifPresent(TrackFileWriter::start);
    if (!config.nginx().fingerprintInterval().isZero()) {
      agent.fingerprint.start(agent.metricsThread, config.nginx().fingerprintInterval());
    }
    return agent;
  }

  public Judge judge() {
    return judge;
  }

  public HttpEndpoint http() {
    return http;
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
      LOG.warning("cannot reach $NOTIFY_SOCKET (" + System.getenv("NOTIFY_SOCKET") + "): " + e
          + "; running without telling systemd (READY, STATUS, WATCHDOG)");
      return Optional.empty();
    }
    // The scheduler is stuck if the slowest probe missed three of its runs (at least 5 s).
    Duration slowest = config.probes().stream().map(p -> p.interval().plus(p.timeout()))
        .max(Duration::compareTo).orElse(Duration.ofSeconds(1));
    Duration stalledAfter = slowest.multipliedBy(3).compareTo(Duration.ofSeconds(5)) > 0
        ? slowest.multipliedBy(3) : Duration.ofSeconds(5);
    return notify.map(n -> {
      SystemdNotifier notifier = new SystemdNotifier(n, scheduler::lastResultNanos, stalledAfter);
      judge.addListener(notifier);
      notifier.startWatchdog(metricsThread);
      return notifier;
    });
  }

  private ExecutorService blockingExecutor(String probeName) {
    ExecutorService executor = Executors.newSingleThreadExecutor(
        new DefaultThreadFactory("keepwatch-proc-" + probeName, true));
    blockingExecutors.add(executor);
    return executor;
  }

  @Override
  public void close() {
    systemd.ifPresent(SystemdNotifier::close);
    scheduler.close();
    supervisor.close();
    trackFile.ifPresent(TrackFileWriter::close); // after the scheduler: nothing may write "up" again
    notifyFifo.ifPresent(NotifyFifoReader::close);
    if (control != null) {
      control.close();
    }
    if (http != null) {
      http.close();
    }
    schedulerThread.shutdownNow();
    actionsThread.shutdownNow();
    metricsThread.shutdownNow();
    blockingExecutors.forEach(ExecutorService::shutdownNow);
    probeLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    httpLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    probeLoop.terminationFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
    httpLoop.terminationFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
    fingerprint.close();
    metrics.close();
  }
}
