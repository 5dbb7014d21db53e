package io.keepwatch.agent;

import io.keepwatch.agent.endpoints.ReloadControl;
import io.keepwatch.agent.log.Priority;
import io.keepwatch.probes.Printable;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reloads the configuration when asked, by SIGHUP or by POST /reload on the control socket. Both go
 * through here so they behave alike: one reload at a time, on the {@code keepwatch-reload} thread
 * (a reload waits for the new probes' verdict, which neither a signal handler nor an event loop may
 * do), each outcome logged (NOTICE applied, WARNING refused) and handed back to whoever asked.
 */
public final class ConfigReloads implements ReloadControl, AutoCloseable {

  private static final Logger LOG = Logger.getLogger("keepwatch");

  private final Agent.ConfigSource source;
  private final ExecutorService thread =
      Executors.newSingleThreadExecutor(new DefaultThreadFactory("keepwatch-reload", true));
  private final AtomicReference<Agent> agent = new AtomicReference<>();

  /**
   * @param source where every reload reads the configuration (the file the agent started with)
   */
  public ConfigReloads(Agent.ConfigSource source) {
    this.source = source;
  }

  /** From now on reloads apply to {@code running}; before this they are refused. */
  public void attach(Agent running) {
    agent.set(running);
  }

  @Override
  public CompletableFuture<Outcome> reload() {
    CompletableFuture<Outcome> done = new CompletableFuture<>();
    try {
      thread.execute(() -> done.complete(reloadNow()));
    } catch (RejectedExecutionException e) {
      done.complete(logged(new Outcome(false, "the agent is stopping; nothing reloaded")));
    }
    return done;
  }

  private Outcome reloadNow() {
    Agent running = agent.get();
    if (running == null) {
      return logged(
          new Outcome(
              false, "reload while the agent is starting: ignored; ask again once it is up"));
    }
    try {
      Agent.Reload reload = running.reload(source);
      return logged(new Outcome(reload.applied(), reload.line()));
    } catch (RuntimeException e) {
      String line =
          "config reload failed: "
              + Printable.reason(e)
              + "; the running configuration stays (the trace below is for a bug report)";
      LOG.log(Level.SEVERE, line, e);
      return new Outcome(false, line);
    }
  }

  private static Outcome logged(Outcome outcome) {
    LOG.log(outcome.applied() ? Priority.NOTICE : Level.WARNING, outcome.line());
    return outcome;
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
