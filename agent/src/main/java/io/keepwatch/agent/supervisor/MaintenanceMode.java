package io.keepwatch.agent.supervisor;

import io.keepwatch.agent.verdict.NodeState;
import io.keepwatch.agent.verdict.Overlay;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The operator's drain: on or off, why and since when, kept in a {@link MaintenanceFile} so that an
 * agent restart or upgrade does not pull a drained node back into service.
 *
 * <p>Threads: the supervisor's (the scheduler thread) only.
 */
final class MaintenanceMode {

  private static final Logger LOG = Logger.getLogger("keepwatch");

  private final MaintenanceFile file;
  private final Clock clock;
  private Optional<MaintenanceFile.Maintenance> current = Optional.empty();

  MaintenanceMode(MaintenanceFile file, Clock clock) {
    this.file = file;
    this.clock = clock;
  }

  /** Takes over the state an earlier run (or the supervisor a reload replaced) saved. */
  void load() {
    current = file.load();
    current.ifPresent(
        m ->
            LOG.info(
                "maintenance mode kept from "
                    + file.path()
                    + " (since "
                    + m.since()
                    + "): "
                    + m.reason()));
  }

  boolean on() {
    return current.isPresent();
  }

  /**
   * Turns it on (with a reason) or off. The file is written first: when it cannot be, nothing
   * changes and the caller hears why.
   *
   * @return the reason now in force, or "off"
   */
  String set(boolean on, String reason) throws IOException {
    Optional<MaintenanceFile.Maintenance> wanted =
        on
            ? Optional.of(
                new MaintenanceFile.Maintenance(
                    reason.isBlank() ? "no reason given" : reason, clock.instant()))
            : Optional.empty();
    try {
      file.save(wanted);
    } catch (IOException e) {
      throw new IOException(
          "cannot save maintenance state to " + file.path() + ": " + e.getMessage(), e);
    }
    current = wanted;
    return wanted.map(m -> "on: " + m.reason()).orElse("off");
  }

  /** What the node shows while drained. */
  Optional<Overlay> overlay() {
    return current.map(m -> new Overlay(NodeState.MAINTENANCE, m.reason(), false));
  }
}
