package io.keepwatch.agent;

import io.keepwatch.agent.config.AgentConfig;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * What a config reload may change. Probes, nginx commands, the restart policy and escalation are
 * rebuilt by a reload; the rest was bound or opened once at start (sockets, files, the nginx_*
 * metrics' feed) and changes only with a restart.
 */
final class ReloadScope {

  private ReloadScope() {}

  /** The first key that changed and needs a restart, if any. */
  static Optional<String> restartOnlyChange(AgentConfig running, AgentConfig next) {
    return firstChange(
        running,
        next,
        new Key("keepwatch.http.listen", AgentConfig::httpListen),
        new Key("keepwatch.control.socket", AgentConfig::controlSocket),
        new Key("keepwatch.network.listen", c -> c.network().listen()),
        new Key("keepwatch.network.serve", c -> c.network().serve()),
        new Key(
            "keepwatch.network.web-config",
            c -> c.network().webConfig().map(io.keepwatch.agent.config.WebConfig::file)),
        new Key("keepwatch.control.group", AgentConfig::controlGroup),
        new Key("keepwatch.track-file", AgentConfig::trackFile),
        new Key("keepwatch.keepalived.notify-fifo", AgentConfig::notifyFifo),
        new Key("keepwatch.nginx.config-dump", c -> c.nginx().configDump()),
        new Key(
            "keepwatch.nginx.config-fingerprint-interval", c -> c.nginx().fingerprintInterval()),
        new Key(
            "the stub-status probe that feeds the nginx_* metrics",
            AgentConfig::nginxMetricsProbe));
  }

  private record Key(String name, Function<AgentConfig, Object> value) {}

  private static Optional<String> firstChange(AgentConfig running, AgentConfig next, Key... keys) {
    for (Key key : keys) {
      if (!Objects.equals(key.value().apply(running), key.value().apply(next))) {
        return Optional.of(key.name());
      }
    }
    return Optional.empty();
  }
}
