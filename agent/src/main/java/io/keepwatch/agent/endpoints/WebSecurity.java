package io.keepwatch.agent.endpoints;

import io.keepwatch.agent.config.ConfigError;
import io.keepwatch.agent.config.WebConfig;
import io.keepwatch.agent.log.Priority;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The network listener's TLS context and users, as the web config file and its certificates are
 * now. As with the exporter-toolkit, a change to any of those files applies without a restart
 * (restarting keepwatch would fail keepalived's check for a moment): each new connection asks for
 * {@link #current()}, which looks at the files at most once a second and reads them again when one
 * changed. A changed file that does not load is logged at error and the last good settings stay.
 * Used by the documents event loop only.
 */
final class WebSecurity {

  private static final Logger LOG = Logger.getLogger("keepwatch");
  private static final long LOOK_EVERY_NANOS = 1_000_000_000L;

  /** What a connection is served with. */
  record Settings(Optional<SslContext> tls, BasicAuth auth) {}

  private final Optional<Path> file;
  private Settings settings;

  /** The web config file and the TLS files it names, as last loaded. */
  private List<Path> files;

  /** Their modification times and sizes when last looked at. */
  private List<String> stamps;

  private long lookedAt;

  /**
   * @param webConfig the web config read at start (already checked), if any
   * @throws StartFailure when its TLS files cannot be used now
   */
  WebSecurity(Optional<WebConfig> webConfig) throws StartFailure {
    file = webConfig.map(WebConfig::file);
    try {
      settings = settings(webConfig);
    } catch (IOException e) {
      throw new StartFailure(
          "keepwatch.network.web-config",
          StartFailure.Kind.CONFIG,
          "cannot start the network listener's TLS",
          e.getMessage(),
          e);
    }
    files = files(webConfig);
    stamps = stamps(files);
    lookedAt = System.nanoTime();
  }

  /** The settings for a new connection, read again if a file changed. */
  Settings current() {
    long now = System.nanoTime();
    if (file.isPresent() && now - lookedAt >= LOOK_EVERY_NANOS) {
      lookedAt = now;
      List<String> seen = stamps(files);
      if (!seen.equals(stamps)) {
        stamps = seen; // a file that does not load is reported once, not every second
        reload(file.get());
      }
    }
    return settings;
  }

  private void reload(Path path) {
    try {
      Optional<WebConfig> next = Optional.of(WebConfig.read(path));
      settings = settings(next);
      files = files(next);
      stamps = stamps(files);
      LOG.log(
          Priority.NOTICE,
          "network listener: "
              + path
              + " or a file it names changed; new connections use the new settings");
    } catch (ConfigError e) {
      e.all()
          .forEach(
              one ->
                  LOG.severe(
                      "network listener: "
                          + one.getMessage()
                          + "; new connections keep the last web config that loaded"));
    } catch (IOException e) {
      LOG.severe(
          "network listener: "
              + e.getMessage()
              + "; new connections keep the last web config that loaded");
    }
  }

  private static Settings settings(Optional<WebConfig> webConfig) throws IOException {
    Optional<SslContext> tls = Optional.empty();
    if (webConfig.isPresent() && webConfig.get().tls().isPresent()) {
      tls = Optional.of(webConfig.get().tls().get().context());
    }
    return new Settings(
        tls, new BasicAuth(webConfig.map(WebConfig::users).orElse(java.util.Map.of())));
  }

  private static List<Path> files(Optional<WebConfig> webConfig) {
    List<Path> files = new ArrayList<>();
    webConfig.ifPresent(
        w -> {
          files.add(w.file());
          w.tls().ifPresent(t -> files.addAll(t.files()));
        });
    return files;
  }

  /** Modification time, size and inode of each file: a rename over it (certbot) changes them. */
  private static List<String> stamps(List<Path> files) {
    List<String> stamps = new ArrayList<>();
    for (Path f : files) {
      try {
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
        stamps.add(a.lastModifiedTime().toMillis() + "/" + a.size() + "/" + a.fileKey());
      } catch (IOException e) {
        stamps.add("missing");
      }
    }
    return stamps;
  }
}
