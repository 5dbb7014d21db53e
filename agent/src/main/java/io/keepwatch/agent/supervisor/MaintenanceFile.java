package io.keepwatch.agent.supervisor;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValueFactory;
import io.keepwatch.agent.files.SmallFiles;
import io.keepwatch.probes.files.BoundedFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Keeps maintenance mode across agent restarts, so an upgrade of keepwatch does not pull a drained
 * node back into service. A small JSON file next to the control socket (under the runtime
 * directory: it does not survive a reboot, which ends a drain on purpose).
 */
public final class MaintenanceFile {

  /** Maintenance as an operator set it; a reason longer than {@link #MAX_REASON} is cut. */
  public record Maintenance(String reason, Instant since) {
    public Maintenance {
      if (reason.length() > MAX_REASON) {
        reason = reason.substring(0, MAX_REASON) + "...";
      }
    }
  }

  /** A reason is one line for /check and the log: longer ones are cut to this many characters. */
  public static final int MAX_REASON = 200;

  /** What save() writes is under 400 bytes; anything much larger was not written by keepwatch. */
  static final int MAX_BYTES = 4096;

  private static final Logger LOG = Logger.getLogger("keepwatch");

  /** The state file's name; it lives beside the control socket, in the runtime directory. */
  public static final String NAME = "maintenance.json";

  private final Path file;

  public MaintenanceFile(Path file) {
    this.file = file;
  }

  /** The state file of the agent whose control socket this is. */
  public static MaintenanceFile besideSocket(Path controlSocket) {
    return new MaintenanceFile(controlSocket.resolveSibling(NAME));
  }

  public Path path() {
    return file;
  }

  /**
   * The saved state; a damaged file (not a regular file, over {@link #MAX_BYTES}, not the JSON
   * keepwatch writes) is reported and read as maintenance ON (the safe side). {@code "maintenance":
   * false} is off.
   */
  public Optional<Maintenance> load() {
    String text;
    try {
      text = BoundedFile.readUtf8(file, MAX_BYTES);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      LOG.warning("cannot read " + e.getMessage() + "; staying in maintenance to be safe");
      return Optional.of(
          new Maintenance("state file unreadable: " + e.getMessage(), Instant.now()));
    }
    try {
      Config state =
          ConfigFactory.parseString(
              text, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
      if (state.hasPath("maintenance") && !state.getBoolean("maintenance")) {
        LOG.info(file + " says maintenance is off");
        return Optional.empty();
      }
      return Optional.of(
          new Maintenance(state.getString("reason"), Instant.parse(state.getString("since"))));
    } catch (ConfigException | DateTimeParseException e) {
      LOG.warning(file + " is damaged (" + e.getMessage() + "); staying in maintenance to be safe");
      return Optional.of(new Maintenance("state file damaged", Instant.now()));
    }
  }

  /** Writes (or, for empty, removes) the state; atomically, so a crash leaves old or new. */
  public void save(Optional<Maintenance> maintenance) throws IOException {
    if (maintenance.isEmpty()) {
      Files.deleteIfExists(file);
      return;
    }
    String json =
        ConfigValueFactory.fromMap(
                Map.of(
                    "maintenance", true,
                    "reason", maintenance.get().reason(),
                    "since", maintenance.get().since().toString()))
            .render(ConfigRenderOptions.concise());
    SmallFiles.replace(file, json + "\n");
  }
}
