package io.keepwatch.agent.metrics;

import io.keepwatch.agent.schedule.Periodic;
import io.keepwatch.agent.supervisor.CommandRunner;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * A fingerprint of nginx's effective configuration: the SHA-256 of {@code nginx -T} (every file
 * nginx would load, concatenated), refreshed on an interval. Exported as {@code
 * keepwatch_nginx_config_info{fingerprint="..."} 1}, so "both nodes of a pair must run the same
 * nginx config", a check the classic set-ups leave to diff and discipline, becomes an alert. The
 * label value changes only when the config does: its cardinality stays tiny.
 */
public final class ConfigFingerprint implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger("keepwatch");

  /** The first 16 hex digits (64 bits) tell configs apart; the full hash is in the log. */
  private static final int SHOWN_DIGITS = 16;

  /** The label value when nginx -T fails (e.g. the config on disk is broken). */
  static final String UNREADABLE = "unreadable";

  private final List<String> dumpCommand;
  private final CommandRunner runner;
  private final MultiGauge gauge;
  private final AtomicReference<String> current = new AtomicReference<>("");

  public ConfigFingerprint(
      List<String> dumpCommand, Duration commandTimeout, KeepwatchMeters meters) {
    this.dumpCommand = List.copyOf(dumpCommand);
    this.runner = new CommandRunner(commandTimeout);
    this.gauge = meters.configInfo();
  }

  /** Refreshes now and then every {@code interval}, on the given (blocking-safe) executor. */
  public void start(ScheduledExecutorService executor, Duration interval) {
    Periodic.withFixedDelay(
        executor,
        "refreshing the nginx config fingerprint",
        this::refresh,
        Duration.ZERO,
        interval);
  }

  /** Runs the dump command and publishes the fingerprint. Blocking. */
  public void refresh() {
    CommandRunner.Digested dump = runner.runDigesting(dumpCommand);
    String fingerprint =
        dump.result().succeeded() ? dump.sha256().substring(0, SHOWN_DIGITS) : UNREADABLE;
    String before = current.getAndSet(fingerprint);
    if (!fingerprint.equals(before)) {
      if (dump.result().succeeded()) {
        LOG.info(
            "nginx config fingerprint "
                + fingerprint
                + " (sha256 "
                + dump.sha256()
                + " of "
                + String.join(" ", dumpCommand)
                + ")");
      } else {
        LOG.warning("nginx config fingerprint unreadable: " + dump.result().summary());
      }
      gauge.register(List.of(MultiGauge.Row.of(Tags.of("fingerprint", fingerprint), 1)), true);
    }
  }

  /** The fingerprint last published; "" before the first refresh. */
  public String current() {
    return current.get();
  }

  @Override
  public void close() {
    gauge.register(List.of(), true);
  }
}
