package io.keepwatch.agent.supervisor;

import io.keepwatch.agent.config.AgentConfig;
import io.keepwatch.agent.verdict.Judge;
import io.keepwatch.agent.verdict.NodeState;
import io.keepwatch.agent.verdict.Overlay;
import io.keepwatch.agent.verdict.Verdict;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Restarts nginx when the node is DOWN, and escalates when restarting cannot help.
 *
 * <p>On DOWN: run the config test; if it fails, never restart (that would take down a running nginx
 * with a broken config) and escalate with the test's first error line. Otherwise run the restart
 * command and wait up to {@code grace} for the probes to rise with a new master pid; retry after a
 * doubling back-off; after {@code max-attempts} restarts within {@code window}, escalate.
 * Escalation runs its commands and webhook once.
 *
 * <p>Threads: every decision runs on the scheduler thread (the Judge's), so the state needs no
 * locks. Commands run one at a time on the {@code actions} thread and post their results back; the
 * probes and endpoints keep running meanwhile.
 */
public final class Supervisor implements Judge.Listener, OperatorControl, AutoCloseable {

  /** Hears how restarts end and when the node escalates (the metrics). */
  public interface Observer {
    void restartFinished(boolean worked);

    void escalated();
  }

  private static final Logger LOG = Logger.getLogger("keepwatch");
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  private static final int KEPT_ACTIONS = 20;

  /** Where the supervisor is in handling a failure. */
  enum Mode {
    /** Following the probes; nothing in flight. */
    WATCHING,
    /** The config test runs. */
    TESTING,
    /** The restart command runs. */
    RESTARTING,
    /** Restarted; waiting for the probes to rise with a new master pid. */
    GRACE,
    /** An attempt failed; waiting before the next. */
    BACKOFF,
    /** Restarting cannot help; waiting for nginx to recover, or for a reset when sticky. */
    ESCALATED
  }

  private final AgentConfig config;
  private final Judge judge;
  private final ScheduledExecutorService loop;
  private final ExecutorService actions;
  private final CommandRunner nginxCommands;
  private final Escalator escalator;
  private final MaintenanceFile maintenanceFile;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final Observer observer;

  // State: touched on the scheduler thread only.
  private Mode mode = Mode.WATCHING;
  private final Deque<Long> restartTimes = new ArrayDeque<>();
  private int attemptsInEpisode;
  private OptionalLong pidBeforeRestart = OptionalLong.empty();
  private Optional<Overlay> supervisorOverlay = Optional.empty();
  private Optional<MaintenanceFile.Maintenance> maintenance = Optional.empty();
  private ScheduledFuture<?> timer;
  private ScheduledFuture<?> holdTimer;
  private volatile List<ActionRecord> recentActions = List.of();

  /**
   * Acting only between start and close. A reload builds the new core's supervisor while the old
   * one still acts, and keeps the old one's probes running a little after its close: neither may
   * touch nginx outside its turn.
   */
  private volatile boolean active;

  public Supervisor(
      AgentConfig config,
      Judge judge,
      ScheduledExecutorService loop,
      ExecutorService actions,
      CommandRunner nginxCommands,
      Escalator escalator,
      MaintenanceFile maintenanceFile,
      Clock clock,
      LongSupplier nanoTime,
      Observer observer) {
    this.config = config;
    this.judge = judge;
    this.loop = loop;
    this.actions = actions;
    this.nginxCommands = nginxCommands;
    this.escalator = escalator;
    this.maintenanceFile = maintenanceFile;
    this.clock = clock;
    this.nanoTime = nanoTime;
    this.observer = observer;
  }

  /**
   * Starts acting: reads the maintenance mode saved by an earlier run (or the supervisor a reload
   * replaced), and takes on a failure the probes already report. Call on the scheduler thread,
   * once.
   */
  public void start() {
    maintenance = maintenanceFile.load();
    maintenance.ifPresent(
        m ->
            LOG.info(
                "maintenance mode kept from "
                    + maintenanceFile.path()
                    + " (since "
                    + m.since()
                    + "): "
                    + m.reason()));
    active = true;
    publishOverlay();
    if (judge.probeVerdict().state() == NodeState.DOWN) {
      attemptsInEpisode = 0;
      startAttempt(judge.probeVerdict().reason());
    }
  }

  /** The last actions, newest last; safe from any thread. */
  public List<ActionRecord> recentActions() {
    return recentActions;
  }

  // ---- events from the Judge --------------------------------------------------------------

  @Override
  public void probeVerdictChanged(Verdict before, Verdict after) {
    if (!active) {
      return; // not started yet, or replaced by a reload, or stopping
    }
    switch (mode) {
      case WATCHING -> {
        if (after.state() == NodeState.DOWN) {
          attemptsInEpisode = 0;
          startAttempt(after.reason());
        }
      }
      case GRACE -> {
        if (after.state() == NodeState.UP) {
          finishGraceIfNginxIsNew();
        }
      }
      case BACKOFF -> {
        if (after.state() == NodeState.UP) {
          note("recovery", "nginx healthy again without a further restart");
          toWatching();
        }
      }
      case ESCALATED -> {
        if (after.state() == NodeState.UP && !config.escalation().sticky()) {
          note("recovery", "leaving ESCALATED: nginx healthy again");
          restartTimes.clear();
          toWatching();
        }
      }
      case TESTING, RESTARTING -> {} // the command's result decides
    }
  }

  // ---- the attempt ------------------------------------------------------------------------

  private void startAttempt(String why) {
    if (maintenance.isPresent() || !config.restart().enabled()) {
      return; // reported as DOWN (or MAINTENANCE); nobody restarts
    }
    if (budgetSpent(why)) {
      return;
    }
    attemptsInEpisode++;
    int attempt = restartTimes.size() + 1;
    boolean holdVip = attemptsInEpisode == 1 && !config.restart().holdVip().isZero();
    setMode(
        Mode.TESTING,
        "restart "
            + attempt
            + " of "
            + config.restart().maxAttempts()
            + ": testing the config ("
            + why
            + ")",
        holdVip);
    if (holdVip) {
      holdTimer =
          loop.schedule(
              this::releaseVip, config.restart().holdVip().toNanos(), TimeUnit.NANOSECONDS);
    }
    runAction(() -> nginxCommands.run(config.nginx().configTest()), this::configTested);
  }

  private void configTested(CommandResult test) {
    record("config-test", test);
    if (!test.succeeded()) {
      escalate("config test failed, not restarting: " + test.firstLine());
      return;
    }
    if (maintenance.isPresent()) {
      toWatching();
      return;
    }
    if (judge.probeVerdict().state() == NodeState.UP) {
      note("recovery", "nginx healthy again before the restart; not restarting");
      toWatching();
      return;
    }
    restartTimes.addLast(nanoTime.getAsLong());
    int attempt = restartTimes.size();
    setMode(
        Mode.RESTARTING,
        "restart "
            + attempt
            + " of "
            + config.restart().maxAttempts()
            + ": "
            + String.join(" ", config.nginx().restart()),
        holdsVip());
    runAction(
        () -> {
          OptionalLong before = readMasterPid();
          CommandResult result = nginxCommands.run(config.nginx().restart());
          return new Restarted(before, result);
        },
        this::restarted);
  }

  private record Restarted(OptionalLong pidBefore, CommandResult result) {}

  private void restarted(Restarted restarted) {
    record("restart", restarted.result());
    if (!restarted.result().succeeded()) {
      attemptFailed("restart command failed: " + restarted.result().firstLine());
      return;
    }
    pidBeforeRestart = restarted.pidBefore();
    int attempt = restartTimes.size();
    setMode(
        Mode.GRACE,
        "restart "
            + attempt
            + " of "
            + config.restart().maxAttempts()
            + " done; waiting up to "
            + human(config.restart().grace())
            + " for the probes",
        holdsVip());
    timer =
        loop.schedule(
            () -> {
              if (mode == Mode.GRACE) {
                attemptFailed(
                    "nginx not healthy "
                        + human(config.restart().grace())
                        + " after restart "
                        + attempt);
              }
            },
            config.restart().grace().toNanos(),
            TimeUnit.NANOSECONDS);
    if (judge.probeVerdict().state() == NodeState.UP) {
      finishGraceIfNginxIsNew();
    }
  }

  /**
   * Results from before the restart prove nothing: the attempt succeeds only once the probes are up
   * and the pidfile names a different master than before (style guide rule 4).
   */
  private void finishGraceIfNginxIsNew() {
    OptionalLong now = readMasterPid();
    if (now.isPresent() && !now.equals(pidBeforeRestart)) {
      note(
          "recovery",
          "restart " + restartTimes.size() + " worked: nginx master " + now.getAsLong() + " is up");
      observer.restartFinished(true);
      toWatching();
    }
  }

  private void attemptFailed(String why) {
    observer.restartFinished(false);
    if (budgetSpent("last: " + why)) {
      return;
    }
    Duration wait = backoff(restartTimes.size());
    note("retry", why + "; next attempt in " + human(wait));
    setMode(Mode.BACKOFF, why + "; next attempt in " + human(wait), false);
    timer =
        loop.schedule(
            () -> {
              if (mode != Mode.BACKOFF) {
                return;
              }
              Verdict probes = judge.probeVerdict();
              if (probes.state() == NodeState.UP) {
                toWatching();
              } else {
                startAttempt(probes.reason().isEmpty() ? why : probes.reason());
              }
            },
            wait.toNanos(),
            TimeUnit.NANOSECONDS);
  }

  /** Escalates, and says so, when max-attempts restarts already happened within the window. */
  private boolean budgetSpent(String why) {
    pruneRestartTimes();
    if (restartTimes.size() < config.restart().maxAttempts()) {
      return false;
    }
    escalate(
        "restart budget spent: "
            + restartTimes.size()
            + " restarts within "
            + human(config.restart().window())
            + "; "
            + why);
    return true;
  }

  private Duration backoff(int failedAttempts) {
    Duration wait =
        config
            .restart()
            .backoff()
            .multipliedBy(1L << Math.min(10, Math.max(0, failedAttempts - 1)));
    return wait.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait;
  }

  private void escalate(String why) {
    LOG.severe("ESCALATED: " + why); // error: restarting cannot help, a person must act
    observer.escalated();
    setMode(Mode.ESCALATED, why, false);
    note("escalation", why);
    runAction(() -> escalator.escalate(why), records -> records.forEach(this::remember));
  }

  private void releaseVip() {
    if (holdsVip()) {
      LOG.info(
          "hold-vip of "
              + human(config.restart().holdVip())
              + " over: /check answers 503 until nginx is back");
      supervisorOverlay = supervisorOverlay.map(o -> new Overlay(o.state(), o.reason(), false));
      publishOverlay();
    }
  }

  private boolean holdsVip() {
    return supervisorOverlay.map(Overlay::holdsVip).orElse(false);
  }

  // ---- the operator -----------------------------------------------------------------------

  /**
   * Turns maintenance on (with a reason) or off. Completes with the verdict line after the change;
   * fails if the state file cannot be written (the change is then not made).
   */
  @Override
  public CompletableFuture<String> maintenance(boolean on, String reason) {
    CompletableFuture<String> done = new CompletableFuture<>();
    onLoop(
        done,
        () -> {
          if (refusedWhileInactive(done)) {
            return;
          }
          Optional<MaintenanceFile.Maintenance> wanted =
              on
                  ? Optional.of(
                      new MaintenanceFile.Maintenance(
                          reason.isBlank() ? "no reason given" : reason, clock.instant()))
                  : Optional.empty();
          try {
            maintenanceFile.save(wanted);
          } catch (IOException e) {
            done.completeExceptionally(
                new IOException(
                    "cannot save maintenance state to "
                        + maintenanceFile.path()
                        + ": "
                        + e.getMessage(),
                    e));
            return;
          }
          maintenance = wanted;
          note("maintenance", on ? "on: " + wanted.get().reason() : "off");
          if (on && (mode == Mode.BACKOFF || mode == Mode.GRACE)) {
            toWatching(); // no further restarts while drained
          }
          publishOverlay();
          if (!on && mode == Mode.WATCHING && judge.probeVerdict().state() == NodeState.DOWN) {
            attemptsInEpisode = 0;
            startAttempt(judge.probeVerdict().reason());
          }
          done.complete(judge.snapshot().verdict().line());
        });
    return done;
  }

  @Override
  public CompletableFuture<String> reset() {
    CompletableFuture<String> done = new CompletableFuture<>();
    onLoop(
        done,
        () -> {
          if (refusedWhileInactive(done)) {
            return;
          }
          if (mode != Mode.ESCALATED) {
            done.complete(
                "not escalated (" + judge.snapshot().verdict().line() + "); nothing to reset");
            return;
          }
          note("reset", "ESCALATED cleared by the operator; restart budget cleared");
          restartTimes.clear();
          toWatching();
          if (judge.probeVerdict().state() == NodeState.DOWN) {
            attemptsInEpisode = 0;
            startAttempt(judge.probeVerdict().reason());
          }
          done.complete(judge.snapshot().verdict().line());
        });
    return done;
  }

  /**
   * Runs an operator's change on the scheduler thread; a stopped thread fails it instead of
   * throwing.
   */
  private void onLoop(CompletableFuture<String> done, Runnable change) {
    try {
      loop.execute(change);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      done.completeExceptionally(
          new IllegalStateException("the agent is stopping; nothing changed"));
    }
  }

  /** An operator's change reaching a supervisor that is not (or no longer) in charge. */
  private boolean refusedWhileInactive(CompletableFuture<String> done) {
    if (!active) {
      done.completeExceptionally(
          new IllegalStateException(
              "the agent is reloading its configuration or stopping; nothing changed, try again"));
    }
    return !active;
  }

  // ---- plumbing ---------------------------------------------------------------------------

  private void toWatching() {
    setMode(Mode.WATCHING, "", false);
  }

  private void setMode(Mode next, String reason, boolean holdVip) {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
    if (!holdVip && holdTimer != null) {
      holdTimer.cancel(false);
      holdTimer = null;
    }
    mode = next;
    supervisorOverlay =
        switch (next) {
          case WATCHING -> Optional.empty();
          case ESCALATED -> Optional.of(new Overlay(NodeState.ESCALATED, reason, false));
          default -> Optional.of(new Overlay(NodeState.RECOVERING, reason, holdVip));
        };
    publishOverlay();
  }

  /** Maintenance shows over everything; then ESCALATED or RECOVERING; else the probes. */
  private void publishOverlay() {
    Optional<Overlay> shown =
        maintenance.isPresent()
            ? Optional.of(new Overlay(NodeState.MAINTENANCE, maintenance.get().reason(), false))
            : supervisorOverlay;
    judge.setOverlay(shown);
  }

  /** Runs blocking work on the actions thread and hands its result back to the scheduler thread. */
  private <T> void runAction(Callable<T> work, Consumer<T> then) {
    var unused =
        CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return work.call();
                  } catch (Exception e) {
                    throw new CompletionException(e);
                  }
                },
                actions)
            .whenCompleteAsync(
                (result, failure) -> {
                  if (!active) {
                    return; // a command that finished after close: its result starts nothing new
                  }
                  if (failure != null) {
                    LOG.severe("an action failed unexpectedly: " + failure);
                    escalate("internal error while acting: " + failure.getMessage());
                    return;
                  }
                  then.accept(result);
                },
                loop);
  }

  private OptionalLong readMasterPid() {
    Path pidfile = config.nginx().pidfile();
    try {
      return OptionalLong.of(
          Long.parseLong(Files.readString(pidfile, StandardCharsets.US_ASCII).strip()));
    } catch (IOException | NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  private void pruneRestartTimes() {
    long oldest = nanoTime.getAsLong() - config.restart().window().toNanos();
    while (!restartTimes.isEmpty() && restartTimes.peekFirst() - oldest < 0) {
      restartTimes.removeFirst();
    }
  }

  private void record(String action, CommandResult result) {
    if (result.succeeded()) {
      // notice: a restart done is what -p notice shows between an outage's start and end
      LOG.log(io.keepwatch.agent.log.Priority.NOTICE, action + ": " + result.summary());
    } else {
      LOG.warning(action + ": " + result.summary());
    }
    remember(new ActionRecord(clock.instant(), action, result.summary()));
  }

  private void note(String action, String outcome) {
    LOG.info(action + ": " + outcome);
    remember(new ActionRecord(clock.instant(), action, outcome));
  }

  private void remember(ActionRecord record) {
    List<ActionRecord> next = new ArrayList<>(recentActions);
    next.add(record);
    if (next.size() > KEPT_ACTIONS) {
      next.remove(0);
    }
    recentActions = List.copyOf(next);
  }

  static String human(Duration d) {
    if (d.toMillis() % 60_000 == 0 && d.toMinutes() > 0) {
      return d.toMinutes() + "m";
    }
    if (d.toMillis() % 1000 == 0) {
      return d.toSeconds() + "s";
    }
    return d.toMillis() + "ms";
  }

  @Override
  public void close() {
    active = false;
    if (timer != null) {
      timer.cancel(false);
    }
    if (holdTimer != null) {
      holdTimer.cancel(false);
    }
  }
}
