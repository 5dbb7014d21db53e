package io.keepwatch.agent.supervisor;

import static io.keepwatch.agent.supervisor.Durations.human;

import io.keepwatch.agent.config.AgentConfig;
import io.keepwatch.agent.verdict.Judge;
import io.keepwatch.agent.verdict.NodeState;
import io.keepwatch.agent.verdict.Overlay;
import io.keepwatch.agent.verdict.Verdict;
import io.keepwatch.probes.process.PidFile;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * The restart state machine: restarts nginx when a failure calls for it, and escalates when
 * restarting cannot help.
 *
 * <p>It acts on DOWN only: nginx is not there or not answering, which a restart may fix. A wrong
 * answer (DEGRADED) is left to the verdict and keepalived: a restart cannot fix it. On DOWN: run
 * the config test; if it fails, never restart (that would take down a running nginx with a broken
 * config) and escalate with the test's first error line. Otherwise run the restart command and wait
 * up to {@code grace} for the probes to rise with a new master pid; retry after a back-off while
 * the {@link RestartBudget} allows, then escalate. Escalation runs its commands and webhook once
 * ({@link Escalator}).
 *
 * <p>Threads: every decision and every field below is on the scheduler thread (the Judge's), {@link
 * #start()} and {@link #close()} included, so the state needs no locks. Commands run one at a time
 * on the {@code actions} thread and post their results back; the probes and endpoints keep running
 * meanwhile.
 */
public final class Supervisor implements Judge.Listener, OperatorControl {

  /** Hears how restarts end and when the node escalates (the metrics). */
  public interface Observer {
    void restartFinished(boolean worked);

    void escalated();
  }

  private static final Logger LOG = Logger.getLogger("keepwatch");

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
  private final MaintenanceMode maintenance;
  private final ActionJournal journal;
  private final LongSupplier nanoTime;
  private final Observer observer;
  private final Runnable afterRestart;
  private final NginxPorts nginxPorts;

  // State: the scheduler thread only.
  private Mode mode = Mode.WATCHING;
  private RestartBudget budget;
  private OptionalInt pidBeforeRestart = OptionalInt.empty();
  private Optional<Overlay> supervisorOverlay = Optional.empty();
  private Optional<ScheduledFuture<?>> timer = Optional.empty();
  private Optional<ScheduledFuture<?>> holdTimer = Optional.empty();

  /**
   * Acting only between start and close. A reload builds the new core's supervisor while the old
   * one still acts, and keeps the old one's probes running a little after its close: neither may
   * touch nginx outside its turn. Volatile: operator requests read it before they reach the loop.
   */
  private volatile boolean active;

  /**
   * @param node this node's name, for the escalation webhook
   * @param loop the scheduler thread, where every decision runs
   * @param actions the thread commands run on, one at a time
   * @param journal where actions are logged and kept for /status
   * @param afterRestart called when a restart command has run: the probes are quickened, so the
   *     restart is judged in tens of milliseconds, not in intervals
   */
  public Supervisor(
      AgentConfig config,
      String node,
      Judge judge,
      ScheduledExecutorService loop,
      ExecutorService actions,
      ActionJournal journal,
      Observer observer,
      Clock clock,
      LongSupplier nanoTime,
      Runnable afterRestart) {
    this.config = config;
    this.afterRestart = afterRestart;
    this.judge = judge;
    this.loop = loop;
    this.actions = actions;
    this.nginxCommands = new CommandRunner(config.nginx().commandTimeout());
    this.escalator = new Escalator(config.escalation(), node, journal, clock);
    this.maintenance =
        new MaintenanceMode(MaintenanceFile.besideSocket(config.controlSocket()), clock);
    this.journal = journal;
    this.observer = observer;
    this.nanoTime = nanoTime;
    this.budget = RestartBudget.of(config.restart());
    this.nginxPorts = NginxPorts.of(config.probes());
  }

  /**
   * Starts acting: reads the maintenance mode saved by an earlier run (or the supervisor a reload
   * replaced), and takes on a failure the probes already report. Scheduler thread, once.
   */
  public void start() {
    maintenance.load();
    active = true;
    publishOverlay();
    respondToNewFailure(judge.probeVerdict());
  }

  /** Stops acting: no new command, no timer. Scheduler thread. */
  public void close() {
    active = false;
    cancelTimer();
    cancelHoldTimer();
  }

  // ---- events from the Judge --------------------------------------------------------------

  @Override
  public void probeVerdictChanged(Verdict before, Verdict after) {
    if (!active) {
      return; // not started yet, or replaced by a reload, or stopping
    }
    boolean up = after.state().nginxAnswers(); // UP, or DEGRADED: nginx is back, rightly or not
    switch (mode) {
      case WATCHING -> respondToNewFailure(after);
      case GRACE -> {
        if (up) {
          finishGraceIfNginxIsNew();
        }
      }
      case BACKOFF -> {
        if (up) {
          journal.note("recovery", "nginx healthy again without a further restart");
          toWatching();
        }
      }
      case ESCALATED -> {
        if (up && !config.escalation().sticky()) {
          journal.note("recovery", "leaving ESCALATED: nginx healthy again");
          budget = budget.cleared();
          toWatching();
        }
      }
      case TESTING, RESTARTING -> {} // the command's result decides
    }
  }

  /** A DOWN seen while watching: act if the failure calls for a restart. */
  private void respondToNewFailure(Verdict probes) {
    if (probes.state() != NodeState.DOWN) {
      return; // UP, STARTING, or DEGRADED: a wrong answer that a restart cannot fix (OnFailure)
    }
    budget = budget.newEpisode();
    startAttempt(probes.reason());
  }

  // ---- the attempt ------------------------------------------------------------------------

  private void startAttempt(String why) {
    if (maintenance.on() || !config.restart().enabled()) {
      return; // reported as DOWN (or MAINTENANCE); nobody restarts
    }
    if (escalateIfBudgetSpent(why)) {
      return;
    }
    budget = budget.attemptStarted();
    // The config test first: it runs on a thread of its own while the hold is decided here (a
    // read of /proc's sockets tables), so the restart never waits for that. Its result comes back
    // on this thread, so it cannot arrive before the mode below is set.
    runAction(() -> nginxCommands.run(config.nginx().configTest()), this::configTested);
    boolean holdVip =
        budget.firstAttempt()
            && !config.restart().holdVip().isZero()
            && nginxPorts.heldByAStranger().map(this::noHold).isEmpty();
    setMode(Mode.TESTING, attemptName(1) + ": testing the config (" + why + ")", holdVip);
    if (holdVip) {
      holdTimer =
          Optional.of(
              loop.schedule(
                  this::releaseVip, config.restart().holdVip().toNanos(), TimeUnit.NANOSECONDS));
    }
  }

  /** A restart that cannot bind nginx's port does not hold the VIP: the journal says why. */
  private String noHold(String who) {
    journal.note(
        "restart", who + ", not nginx: nginx cannot bind it; this restart does not hold the VIP");
    return who;
  }

  /**
   * "restart 2 of 3": the restart in flight, counted against the budget.
   *
   * @param ahead 1 before its restart command runs (it does not count yet), 0 after
   */
  private String attemptName(int ahead) {
    int attempt = budget.restartsInWindow(nanoTime.getAsLong()) + ahead;
    return "restart " + attempt + " of " + config.restart().maxAttempts();
  }

  private void configTested(CommandResult test) {
    journal.command("config-test", test);
    if (!test.succeeded()) {
      escalate("config test failed, not restarting: " + test.firstLine());
      return;
    }
    if (maintenance.on()) {
      toWatching();
      return;
    }
    if (judge.probeVerdict().state().nginxAnswers()) {
      journal.note("recovery", "nginx healthy again before the restart; not restarting");
      toWatching();
      return;
    }
    budget = budget.restartedAt(nanoTime.getAsLong());
    setMode(
        Mode.RESTARTING,
        attemptName(0) + ": " + String.join(" ", config.nginx().restart()),
        holdsVip());
    runAction(
        () -> {
          OptionalInt before = PidFile.pid(config.nginx().pidfile());
          CommandResult result = nginxCommands.run(config.nginx().restart());
          return new Restarted(before, result);
        },
        this::restarted);
  }

  private record Restarted(OptionalInt pidBefore, CommandResult result) {}

  private void restarted(Restarted restarted) {
    journal.command("restart", restarted.result());
    if (!restarted.result().succeeded()) {
      attemptFailed("restart command failed: " + restarted.result().firstLine());
      return;
    }
    pidBeforeRestart = restarted.pidBefore();
    afterRestart.run();
    String attempt = attemptName(0);
    String attemptNumber = "restart " + budget.restartsInWindow(nanoTime.getAsLong());
    Duration grace = config.restart().grace();
    setMode(
        Mode.GRACE,
        attempt + " done; waiting up to " + human(grace) + " for the probes",
        holdsVip());
    timer =
        Optional.of(
            loop.schedule(
                () -> {
                  if (mode == Mode.GRACE) {
                    attemptFailed("nginx not healthy " + human(grace) + " after " + attemptNumber);
                  }
                },
                grace.toNanos(),
                TimeUnit.NANOSECONDS));
    if (judge.probeVerdict().state().nginxAnswers()) {
      finishGraceIfNginxIsNew();
    }
  }

  /**
   * Results from before the restart prove nothing: the attempt succeeds only once the probes are up
   * and the pidfile names a different master than before.
   */
  private void finishGraceIfNginxIsNew() {
    OptionalInt now = PidFile.pid(config.nginx().pidfile());
    if (now.isPresent() && !now.equals(pidBeforeRestart)) {
      journal.note(
          "recovery",
          "restart "
              + budget.restartsInWindow(nanoTime.getAsLong())
              + " worked: nginx master "
              + now.getAsInt()
              + " is up");
      observer.restartFinished(true);
      toWatching();
    }
  }

  private void attemptFailed(String why) {
    observer.restartFinished(false);
    if (escalateIfBudgetSpent("last: " + why)) {
      return;
    }
    Duration wait = budget.backoffAt(nanoTime.getAsLong());
    journal.note("retry", why + "; next attempt in " + human(wait));
    setMode(Mode.BACKOFF, why + "; next attempt in " + human(wait), false);
    timer =
        Optional.of(
            loop.schedule(
                () -> {
                  if (mode != Mode.BACKOFF) {
                    return;
                  }
                  Verdict probes = judge.probeVerdict();
                  if (probes.state().nginxAnswers()) {
                    toWatching();
                  } else {
                    startAttempt(probes.reason().isEmpty() ? why : probes.reason());
                  }
                },
                wait.toNanos(),
                TimeUnit.NANOSECONDS));
  }

  /** Escalates, and says so, when max-attempts restarts already happened within the window. */
  private boolean escalateIfBudgetSpent(String why) {
    long now = nanoTime.getAsLong();
    if (!budget.spent(now)) {
      return false;
    }
    escalate(
        "restart budget spent: "
            + budget.restartsInWindow(now)
            + " restarts within "
            + human(config.restart().window())
            + "; "
            + why);
    return true;
  }

  private void escalate(String why) {
    LOG.severe("ESCALATED: " + why); // error: restarting cannot help, a person must act
    observer.escalated();
    setMode(Mode.ESCALATED, why, false);
    journal.note("escalation", why);
    runAction(
        () -> {
          escalator.escalate(why);
          return null;
        },
        done -> {});
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
    return onLoop(
        () -> {
          journal.note("maintenance", maintenance.set(on, reason));
          if (on && (mode == Mode.BACKOFF || mode == Mode.GRACE)) {
            toWatching(); // no further restarts while drained
          }
          publishOverlay();
          if (!on && mode == Mode.WATCHING) {
            respondToNewFailure(judge.probeVerdict());
          }
          return judge.snapshot().verdict().line();
        });
  }

  @Override
  public CompletableFuture<String> reset() {
    return onLoop(
        () -> {
          if (mode != Mode.ESCALATED) {
            return "not escalated (" + judge.snapshot().verdict().line() + "); nothing to reset";
          }
          journal.note("reset", "ESCALATED cleared by the operator; restart budget cleared");
          budget = budget.cleared();
          toWatching();
          respondToNewFailure(judge.probeVerdict());
          return judge.snapshot().verdict().line();
        });
  }

  /** An operator's change, made on the scheduler thread. */
  private interface Change {
    String make() throws IOException;
  }

  /**
   * Runs an operator's change on the scheduler thread, if this supervisor is in charge; a stopped
   * thread or a supervisor not (or no longer) in charge fails it instead.
   */
  private CompletableFuture<String> onLoop(Change change) {
    CompletableFuture<String> done = new CompletableFuture<>();
    Runnable attempt =
        () -> {
          if (!active) {
            done.completeExceptionally(
                new IllegalStateException(
                    "the agent is reloading its configuration or stopping; nothing changed, try"
                        + " again"));
            return;
          }
          try {
            done.complete(change.make());
          } catch (IOException e) {
            done.completeExceptionally(e);
          }
        };
    try {
      loop.execute(attempt);
    } catch (RejectedExecutionException e) {
      done.completeExceptionally(
          new IllegalStateException("the agent is stopping; nothing changed"));
    }
    return done;
  }

  // ---- plumbing ---------------------------------------------------------------------------

  private void toWatching() {
    setMode(Mode.WATCHING, "", false);
  }

  private void setMode(Mode next, String reason, boolean holdVip) {
    cancelTimer();
    if (!holdVip) {
      cancelHoldTimer();
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

  private void publishOverlay() {
    judge.setOverlay(Overlay.shown(maintenance.overlay(), supervisorOverlay));
  }

  private void cancelTimer() {
    timer.ifPresent(t -> t.cancel(false));
    timer = Optional.empty();
  }

  private void cancelHoldTimer() {
    holdTimer.ifPresent(t -> t.cancel(false));
    holdTimer = Optional.empty();
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
}
