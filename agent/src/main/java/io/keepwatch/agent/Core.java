package io.keepwatch.agent;

import io.keepwatch.agent.config.AgentConfig;
import io.keepwatch.agent.config.ProbeSpec;
import io.keepwatch.agent.endpoints.AgentInfo;
import io.keepwatch.agent.probing.ProbeContext;
import io.keepwatch.agent.probing.ProbeKinds;
import io.keepwatch.agent.schedule.MasterWatch;
import io.keepwatch.agent.schedule.ProbeScheduler;
import io.keepwatch.agent.supervisor.ActionJournal;
import io.keepwatch.agent.supervisor.Supervisor;
import io.keepwatch.agent.verdict.Inherited;
import io.keepwatch.agent.verdict.Judge;
import io.keepwatch.agent.verdict.Verdict;
import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * What one configuration's probes drive: the probe threads, the scheduler, the judge and the
 * supervisor. A config reload builds a new one beside the running one and swaps them once the new
 * one has a verdict (see {@link Agent#reload}); the endpoints, the track file, the notify FIFO, the
 * metrics and the action journal outlive it, and hear only the core in charge (see {@link
 * #attach}).
 *
 * <p>Threads, each named: {@code keepwatch-scheduler}, an event loop that schedules runs, does the
 * network probes' I/O and times every run, records results, judges and decides what the supervisor
 * does (every judge listener runs here); {@code keepwatch-actions} (config test, restart and
 * escalation commands, one at a time); one {@code keepwatch-proc-NAME} per process probe (short
 * blocking /proc reads). One thread for scheduling and network I/O, rather than one each: a network
 * probe's run then starts, ends and is judged without waking another thread (every wake-up costs
 * CPU: bench/footprint.md). The lifecycle methods are called by the {@link Agent}, one at a time.
 */
final class Core implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger("keepwatch");

  /** How long a lifecycle step waits for the scheduler thread to take its turn. */
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(10);

  private final AgentConfig config;
  private final NioEventLoopGroup schedulerGroup;
  private final EventLoop schedulerThread;
  private final ExecutorService actionsThread;
  private final List<ExecutorService> blockingExecutors = new CopyOnWriteArrayList<>();
  private final Judge judge;
  private final Supervisor supervisor;
  private final ProbeScheduler scheduler;
  private final List<MasterWatch> masterWatches;

  Core(
      AgentConfig config,
      AgentInfo info,
      Supervisor.Observer observer,
      ActionJournal journal,
      Clock clock) {
    this.config = config;
    schedulerGroup =
        new NioEventLoopGroup(1, new DefaultThreadFactory("keepwatch-scheduler", true));
    schedulerThread = schedulerGroup.next();
    actionsThread =
        Executors.newSingleThreadExecutor(new DefaultThreadFactory("keepwatch-actions", true));

    judge = new Judge(config.probes(), clock);
    ProbeContext context = new ProbeContext(schedulerThread, this::blockingExecutor);
    List<ProbeScheduler.Scheduled> scheduled = new ArrayList<>();
    List<MasterWatch> watches = new ArrayList<>();
    for (ProbeSpec spec : config.probes()) {
      scheduled.add(
          new ProbeScheduler.Scheduled(
              spec.name(),
              ProbeKinds.build(spec, context),
              spec.interval(),
              Math.max(spec.rise(), spec.fall())));
    }
    scheduler = new ProbeScheduler(scheduled, schedulerThread, judge::record);
    for (ProbeSpec spec : config.probes()) {
      spec.target()
          .masterPidfile()
          .ifPresent(
              pidfile ->
                  watches.add(
                      new MasterWatch(
                          pidfile, schedulerThread, () -> scheduler.expedite(spec.name()))));
    }
    masterWatches = List.copyOf(watches);
    supervisor =
        new Supervisor(
            config,
            info.node(),
            judge,
            schedulerThread,
            actionsThread,
            journal,
            observer,
            clock,
            System::nanoTime,
            scheduler::quickenAll);
    judge.addListener(supervisor);
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

  void startProbing() {
    scheduler.start();
    onSchedulerThread(
        () -> {
          masterWatches.forEach(MasterWatch::start);
          return null;
        });
  }

  /**
   * Makes this core the one the outliving listeners hear, from the scheduler thread (where every
   * judge event happens, so none is missed or heard twice). They first hear what changed since the
   * verdict they last heard of, so a track file or systemd's STATUS follow a reload at once.
   *
   * @param lastHeard the verdict the listeners last heard (the old core's, or this one's at start)
   */
  void attach(List<Judge.Listener> listeners, Verdict lastHeard) {
    onSchedulerThread(
        () -> {
          listeners.forEach(judge::addListener);
          Verdict now = judge.snapshot().verdict();
          if (!now.sameAs(lastHeard)) {
            listeners.forEach(l -> l.verdictChanged(lastHeard, now));
          }
          return null;
        });
  }

  /** The outliving listeners stop hearing this core (a reload replaces it). */
  void detach(List<Judge.Listener> listeners) {
    onSchedulerThread(
        () -> {
          listeners.forEach(judge::removeListener);
          return null;
        });
  }

  /**
   * Answers as the previous agent did until this core's first verdict, for at most {@code left}
   * (what the previous agent's lease still held): restarting the agent is invisible to keepalived.
   */
  void inheritFor(Inherited answers, Duration left) {
    onSchedulerThread(
        () -> {
          judge.inherit(Optional.of(answers));
          var unused =
              schedulerThread.schedule(
                  () -> judge.inherit(Optional.empty()), left.toNanos(), TimeUnit.NANOSECONDS);
          return null;
        });
  }

  /**
   * Starts the supervisor on the scheduler thread and returns once it has started, so its
   * maintenance overlay is in the verdict before anyone reads it.
   */
  void startSupervising() {
    onSchedulerThread(
        () -> {
          supervisor.start();
          return null;
        });
  }

  /**
   * Stops acting on nginx: no new restart or escalation; probing goes on until close. A command
   * already running (a restart, an escalation) may finish, for at most the nginx command timeout: a
   * command dies with the thread that started it (see CommandRunner), and neither a reload nor a
   * stop of the agent may cut a restart of nginx in half (nginx-hard-restart killed between its
   * kill and its start would leave nginx down).
   */
  void stopSupervising() {
    onSchedulerThread(
        () -> {
          supervisor.close();
          return null;
        });
    actionsThread.shutdown();
    try {
      if (!actionsThread.awaitTermination(
          config.nginx().commandTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warning("a command was still running after the nginx command timeout; stopping it");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Runs a step on the scheduler thread and waits for it. When that thread is gone (stopped) there
   * is nothing left to coordinate with, and the step runs here.
   */
  private <T> T onSchedulerThread(Callable<T> step) {
    try {
      return schedulerThread.submit(step).get(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopped) {
      try {
        return step.call();
      } catch (Exception e) {
        throw new IllegalStateException("a lifecycle step failed: " + e, e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the scheduler thread", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "the scheduler thread did not take a lifecycle step: " + e, e);
    }
  }

  /** Stops supervising (a running command may finish), then probing, then every thread. */
  @Override
  public void close() {
    scheduler.close();
    onSchedulerThread(
        () -> {
          masterWatches.forEach(MasterWatch::close);
          return null;
        });
    stopSupervising();
    schedulerGroup
        .shutdownGracefully(0, 1, TimeUnit.SECONDS)
        .awaitUninterruptibly(2, TimeUnit.SECONDS);
    actionsThread.shutdownNow();
    blockingExecutors.forEach(ExecutorService::shutdownNow);
  }
}
