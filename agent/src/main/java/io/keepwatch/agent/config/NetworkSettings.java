package io.keepwatch.agent.config;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads keepwatch.network: the listener other hosts scrape. */
final class NetworkSettings {

  static final String LISTEN = "keepwatch.network.listen";
  static final String SERVE = "keepwatch.network.serve";
  static final String WEB_CONFIG = "keepwatch.network.web-config";

  /** What a network listener may serve; /check stays on loopback for keepwatch-check. */
  static final Set<String> SERVABLE = Set.of("/metrics", "/status", "/");

  private NetworkSettings() {}

  /**
   * @param httpListen the loopback listener (null if it did not read), to catch a wildcard address
   *     that would take its port
   */
  static AgentConfig.Network read(Fields f, InetSocketAddress httpListen) throws ConfigError {
    ErrorList errors = new ErrorList();
    List<InetSocketAddress> listen = new ArrayList<>();
    for (String text : errors.take(() -> f.strings(LISTEN), List.<String>of())) {
      InetSocketAddress address = errors.take(() -> f.address(LISTEN, text.strip(), true), null);
      if (address == null) {
        continue;
      }
      if (listen.contains(address)) {
        errors.add(f.error(LISTEN, text + " is listed twice"));
      } else if (httpListen != null
          && address.getPort() != 0
          && address.getPort() == httpListen.getPort()
          && (address.getAddress().isAnyLocalAddress()
              || address.getAddress().equals(httpListen.getAddress()))) {
        errors.add(
            f.error(
                LISTEN,
                text
                    + " would take http.listen's port ("
                    + httpListen.getPort()
                    + "), which keepwatch-check needs on loopback; use this host's own address"
                    + " (e.g. 192.0.2.10:"
                    + httpListen.getPort()
                    + ") or another port"));
      } else {
        listen.add(address);
      }
    }
    Set<String> serve = new LinkedHashSet<>();
    for (String path : errors.take(() -> f.strings(SERVE), List.<String>of())) {
      if (!SERVABLE.contains(path)) {
        errors.add(
            f.error(
                SERVE,
                "cannot serve '"
                    + path
                    + "' to the network; choose among \"/metrics\", \"/status\" and \"/\""
                    + (path.equals("/check")
                        ? " (/check stays on http.listen, on loopback)"
                        : "")));
      } else {
        serve.add(path);
      }
    }
    if (serve.isEmpty() && errors.isEmpty()) {
      errors.add(f.error(SERVE, "must name at least one path, e.g. [\"/metrics\"]"));
    }
    Optional<Path> webConfigFile = errors.take(() -> f.optionalPath(WEB_CONFIG), Optional.empty());
    Optional<WebConfig> webConfig = Optional.empty();
    if (webConfigFile.isPresent()) {
      Path file = webConfigFile.get();
      if (!Files.isRegularFile(file)) {
        errors.add(
            f.error(
                WEB_CONFIG,
                file + ": " + (Files.exists(file) ? "not a regular file" : "no such file")));
      } else if (!Files.isReadable(file)) {
        errors.add(f.error(WEB_CONFIG, file + ": not readable (permissions)"));
      } else {
        // Mistakes inside the file are reported with its own file:line.
        webConfig = Optional.ofNullable(errors.take(() -> WebConfig.read(file), null));
      }
    }
    errors.throwIfAny();
    return new AgentConfig.Network(listen, serve, webConfig);
  }
}
