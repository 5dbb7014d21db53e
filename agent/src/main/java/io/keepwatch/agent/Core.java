package io.keepwatch.agent;

import io.keepwatch.agent.config.AgentConfig;
import io.keepwatch.agent.config.ProbeSpec;
import io.keepwatch.agent.endpoints.AgentInfo;
import io.keepwatch.agent.metrics.KeepwatchMeters;
import io.keepwatch.agent.metrics.MetricsEndpoint;
import io.keepwatch.agent.schedule.ProbeScheduler;
import io.keepwatch.agent.supervisor.CommandRunner;
import io.keepwatch.agent.supervisor.Escalator;
import io.keepwatch.agent.supervisor.MaintenanceFile;
import io.keepwatch.agent.supervisor.Supervisor;
import io.keepwatch.agent.verdict.Judge;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What one configuration's probes drive: the probe threads, the scheduler, the judge and the
 * supervisor. A config reload builds a new one beside the running one and swaps them once the new
 * one has a verdict (see {@link Agent#reload}); the endpoints, the track file, the notify FIFO and
 * the metrics registry outlive it.
 *
 * <p>Threads, each named: {@code keepwatch-scheduler} (schedules runs, records results, judges,
 * decides what the supervisor does), {@code keepwatch-probe-io} (network probes), {@code
 * keepwatch-actions} (config test, restart and escalation commands, one at a time), one {@code
 * keepwatch-proc-NAME} per process probe (short blocking /proc reads).
 */
final class Core implements AutoCloseable {

  private final NioEventLoopGroup probeLoop;
  private final ScheduledThreadPoolExecutor schedulerThread;
  private final ExecutorService actionsThread;
  private final List<ExecutorService> blockingExecutors = new ArrayList<>();
  private final Judge judge;
  private final Supervisor supervisor;
  private final ProbeScheduler scheduler;

  Core(
      AgentConfig config,
      AgentInfo info,
      MetricsEndpoint metrics,
      KeepwatchMeters meters,
      Clock clock) {
    probeLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("keepwatch-probe-io", true));
    schedulerThread =
        new ScheduledThreadPoolExecutor(1, new DefaultThreadFactory("keepwatch-scheduler", true));
    schedulerThread.setRemoveOnCancelPolicy(true);
    actionsThread =
        Executors.newSingleThreadExecutor(new DefaultThreadFactory("keepwatch-actions", true));

    judge = new Judge(config.probes(), clock);
    judge.addListener(new VerdictLog());
    judge.addListener(meters);
    judge.addListener(metrics.nginx());
    supervisor =
        new Supervisor(
            config,
            judge,
            schedulerThread,
            actionsThread,
            new CommandRunner(config.nginx().commandTimeout()),
            new Escalator(config.escalation(), info.node(), clock),
            new MaintenanceFile(config.controlSocket().resolveSibling(Agent.MAINTENANCE_FILE)),
            clock,
            System::nanoTime,
            meters);
    judge.addListener(supervisor);

    ProbeFactory factory =
        new ProbeFactory(
            probeLoop,
            this::blockingExecutor,
            name -> metrics.nginx().fedBy(name) ? metrics.nginx()::pageFetched : page -> {});
    List<ProbeScheduler.Scheduled> scheduled = new ArrayList<>();
    for (ProbeSpec spec : config.probes()) {
      scheduled.add(
          new ProbeScheduler.Scheduled(
              spec.name(),
              factory.create(spec),
              spec.interval(),
              Math.max(spec.rise(), spec.fall())));
    }
    scheduler = new ProbeScheduler(scheduled, schedulerThread, judge::record);
  }

  private ExecutorService blockingExecutor(String probeName) {
    ExecutorService executor =
        Executors.newSingleThreadExecutor(
            new DefaultThreadFactory("keepwatch-proc-" + probeName, true));
    blockingExecutors.add(executor);
    return executor;
  }

  Judge judge() {
    return judge;
  }

  Supervisor supervisor() {
    return supervisor;
  }

  ProbeScheduler scheduler() {
    return scheduler;
  }

  ScheduledThreadPoolExecutor schedulerThread() {
    return schedulerThread;
  }

  void startProbing() {
    scheduler.start();
  }

  /**
   * Starts the supervisor on the scheduler thread and returns once it has started, so its
   * maintenance overlay is in the verdict before anyone reads it.
   */
  void startSupervising() {
    try {
      schedulerThread.submit(supervisor::start).get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the supervisor did not start: " + e, e);
    }
  }

  /** Stops acting on nginx (no new restart or escalation); probing goes on until close. */
  void stopSupervising() {
    schedulerThread.execute(supervisor::close);
  }

  /**
   * Lets a command already running (a restart, an escalation) finish, for at most {@code max}: a
   * command dies with the thread that started it (see CommandRunner), and a reload must not cut a
   * restart of nginx in half.
   */
  void finishRunningCommands(java.time.Duration max) {
    actionsThread.shutdown();
    try {
      actionsThread.awaitTermination(max.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    scheduler.close();
    supervisor.close();
    schedulerThread.shutdownNow();
    actionsThread.shutdownNow();
    blockingExecutors.forEach(ExecutorService::shutdownNow);
    probeLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
  }
}
