package io.keepwatch.agent;

import io.keepwatch.agent.config.AgentConfig;
import io.keepwatch.agent.config.ConfigError;
import io.keepwatch.agent.endpoints.ReloadControl;
import io.keepwatch.agent.log.Priority;
import io.keepwatch.probes.Printable;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reloads the configuration when asked, by SIGHUP or by POST /reload on the control socket. Both go
 * through here so they behave alike: one reload at a time, on the {@code keepwatch-reload} thread
 * (a reload waits for the new probes' verdict, which neither a signal handler nor an event loop may
 * do), each outcome logged (NOTICE applied, WARNING refused), counted in
 * keepwatch_config_reloads_total and handed back to whoever asked.
 *
 * <p>A reload is a transaction whatever the file holds: the file is read on a thread of its own and
 * waited for at most {@link #LOAD_WITHIN}, so a read that blocks (a file swapped for a FIFO under
 * the loader's checks) or fails in any way is a refused reload with its reason, never a reload
 * thread stuck or killed, which once left every later SIGHUP unapplied and uncounted (issue 14).
 */
public final class ConfigReloads implements ReloadControl, AutoCloseable {

  private static final Logger LOG = Logger.getLogger("keepwatch");

  /** Loading a config file of at most 256 KiB takes milliseconds; this long means it is stuck. */
  static final Duration LOAD_WITHIN = Duration.ofSeconds(10);

  private final Agent.ConfigSource source;
  private final Duration loadWithin;
  private final ExecutorService thread =
      Executors.newSingleThreadExecutor(new DefaultThreadFactory("keepwatch-reload", true));
  private final AtomicReference<Agent> agent = new AtomicReference<>();

  /**
   * @param source where every reload reads the configuration (the file the agent started with)
   */
  public ConfigReloads(Agent.ConfigSource source) {
    this(source, LOAD_WITHIN);
  }

  ConfigReloads(Agent.ConfigSource source, Duration loadWithin) {
    this.source = source;
    this.loadWithin = loadWithin;
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
      Agent.Reload reload = running.reload(this::loadWithinBound);
      return logged(new Outcome(reload.applied(), reload.line()));
    } catch (RuntimeException | StackOverflowError e) {
      running.reloadFailed();
      String line =
          "config reload failed: "
              + Printable.reason(e)
              + "; the running configuration stays (the trace below is for a bug report)";
      LOG.log(Level.SEVERE, line, e);
      return new Outcome(false, line);
    }
  }

  /** The configuration, loaded on a thread of its own; a load that is stuck is refused. */
  private AgentConfig loadWithinBound() throws ConfigError {
    CompletableFuture<AgentConfig> loaded = new CompletableFuture<>();
    Thread loader =
        new Thread(
            () -> {
              try {
                loaded.complete(source.load());
              } catch (ConfigError | RuntimeException | StackOverflowError e) {
                loaded.completeExceptionally(e);
              }
            },
            "keepwatch-config-load");
    loader.setDaemon(true); // a load stuck for good must not keep the JVM from stopping
    loader.start();
    try {
      return loaded.get(loadWithin.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new ConfigError(
          "the configuration",
          "",
          "did not load within "
              + loadWithin.toMillis()
              + " ms (a file it reads blocks: a FIFO or a device?); left behind, keeping the"
              + " running configuration");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ConfigError error) {
        throw error;
      }
      throw new ConfigError(
          "the configuration", "", "could not be loaded: " + Printable.reason(e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConfigError("the configuration", "", "loading was interrupted");
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
