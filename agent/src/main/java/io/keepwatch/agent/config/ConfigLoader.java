package io.keepwatch.agent.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.keepwatch.agent.probing.ProbeKind;
import io.keepwatch.agent.probing.ProbeKinds;
import io.keepwatch.probes.Printable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Loads keepwatch's configuration: the file over reference.conf, validated eagerly into an {@link
 * AgentConfig}. Unknown keys, wrong types, bad durations, bad addresses and out-of-range numbers
 * are all {@link ConfigError}s naming file:line and the key; nothing is half-loaded.
 */
public final class ConfigLoader {

  /** Where the packaged service looks for its configuration. */
  public static final Path DEFAULT_FILE = Path.of("/etc/keepwatch/keepwatch.conf");

  private static final String ROOT = "keepwatch";
  private static final String PROBES = "keepwatch.probes";
  static final String PROBE_DEFAULTS = "keepwatch.probe-defaults";
  private static final Pattern PROBE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /** The loaded configuration and the effective merged tree (for "config check"). */
  public record Loaded(AgentConfig config, Config effective) {
    /** The effective {@code keepwatch} tree as HOCON, without comments. */
    public String render() {
      return effective
          .root()
          .withOnlyKey(ROOT)
          .render(
              ConfigRenderOptions.defaults()
                  .setOriginComments(false)
                  .setComments(false)
                  .setJson(false));
    }
  }

  private ConfigLoader() {}

  /** The built-in defaults alone (no file). */
  public static Loaded defaults() throws ConfigError {
    return build(ConfigFactory.empty(), "defaults");
  }

  /** Loads {@code file} over the defaults. */
  public static Loaded load(Path file) throws ConfigError {
    if (!Files.isRegularFile(file)) {
      throw new ConfigError(
          file.toString(), "", Files.exists(file) ? "not a regular file" : "no such file");
    }
    if (!Files.isReadable(file)) {
      throw new ConfigError(file.toString(), "", "not readable (permissions)");
    }
    Config user;
    try {
      user =
          ConfigFactory.parseFile(
              file.toFile(),
              ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false));
    } catch (ConfigException e) {
      throw fromTypesafe(e);
    }
    return build(user, file.toString());
  }

  /** Parses HOCON text as if it were a file named {@code name}; for tests and tools. */
  public static Loaded parse(String text, String name) throws ConfigError {
    Config user;
    try {
      user =
          ConfigFactory.parseString(text, ConfigParseOptions.defaults().setOriginDescription(name));
    } catch (ConfigException e) {
      throw fromTypesafe(e);
    }
    return build(user, name);
  }

  private static Loaded build(Config user, String source) throws ConfigError {
    Config reference =
        ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), "reference.conf");
    Config merged;
    Config resolvedReference;
    try {
      resolvedReference = reference.resolve();
      // Resolve after merging, so e.g. the user's nginx.pidfile flows into the process probe
      // default.
      merged = user.withFallback(reference).resolve();
    } catch (ConfigException e) {
      throw fromTypesafe(e);
    }
    new KeyChecker(resolvedReference, merged).check(user.root(), List.of());
    try {
      return new Loaded(read(merged, source), merged);
    } catch (ConfigError e) {
      throw blameTheUsersLine(e, user);
    }
  }

  /**
   * A bad value the user's file brought in through a substitution (key = ${other.key}) has its
   * origin where the substituted value was defined, often reference.conf. The mistake is the user's
   * line, so name that one.
   */
  private static ConfigError blameTheUsersLine(ConfigError e, Config user) {
    ConfigValue value = user.root();
    for (String segment : e.key().replaceAll("\\[\\d+\\]$", "").split("\\.", -1)) {
      if (!(value instanceof ConfigObject object) || !object.containsKey(segment)) {
        return e; // the user's file does not set this key: the error stands as it is
      }
      value = object.get(segment);
    }
    String usersLine = Fields.where(value.origin());
    return usersLine.equals(e.where()) ? e : new ConfigError(usersLine, e.key(), e.problem());
  }

  private static AgentConfig read(Config c, String source) throws ConfigError {
    Fields f = new Fields(c, "");
    Fields nginx = new Fields(c, "");
    AgentConfig.Nginx nginxConfig =
        new AgentConfig.Nginx(
            nginx.absolutePath("keepwatch.nginx.pidfile"),
            nginx.argv("keepwatch.nginx.config-test"),
            nginx.argv("keepwatch.nginx.restart"),
            nginx.positiveDuration("keepwatch.nginx.command-timeout"),
            nginx.argv("keepwatch.nginx.config-dump"),
            nginx.duration("keepwatch.nginx.config-fingerprint-interval"));
    Duration grace = f.positiveDuration("keepwatch.restart.grace");
    Duration holdVip = f.duration("keepwatch.restart.hold-vip");
    if (holdVip.compareTo(grace) > 0) {
      // Name the one of the two the user's file set: the other is only a default.
      if (f.isDefault("keepwatch.restart.hold-vip")) {
        throw f.error(
            "keepwatch.restart.grace",
            "must not be shorter than restart.hold-vip ("
                + holdVip.toMillis()
                + " ms, the default): a failing nginx would hold the VIP; lower hold-vip too");
      }
      throw f.error(
          "keepwatch.restart.hold-vip",
          "must not be longer than restart.grace ("
              + grace.toMillis()
              + " ms): a failing nginx would hold the VIP");
    }
    AgentConfig.Restart restart =
        new AgentConfig.Restart(
            f.bool("keepwatch.restart.enabled"),
            f.integer("keepwatch.restart.max-attempts", 1, 1000),
            f.positiveDuration("keepwatch.restart.window"),
            grace,
            f.positiveDuration("keepwatch.restart.backoff"),
            holdVip);
    AgentConfig.Escalation escalation =
        new AgentConfig.Escalation(
            f.argvList("keepwatch.escalation.commands"),
            f.bool("keepwatch.escalation.sticky"),
            f.positiveDuration("keepwatch.escalation.command-timeout"),
            f.optionalUrl("keepwatch.escalation.webhook"),
            f.positiveDuration("keepwatch.escalation.webhook-timeout"));
    Optional<Path> trackPath = f.optionalPath("keepwatch.track-file.path");
    Optional<AgentConfig.TrackFile> trackFile = Optional.empty();
    if (trackPath.isPresent()) {
      trackFile =
          Optional.of(
              new AgentConfig.TrackFile(
                  trackPath.get(),
                  f.integer("keepwatch.track-file.up-value", Integer.MIN_VALUE, Integer.MAX_VALUE),
                  f.integer(
                      "keepwatch.track-file.down-value", Integer.MIN_VALUE, Integer.MAX_VALUE),
                  f.optionalPath("keepwatch.track-file.degraded-path"),
                  f.integer("keepwatch.track-file.degraded-value", 1, Integer.MAX_VALUE)));
    }
    Duration goneAfter = f.positiveDuration("keepwatch.keepalived.agent-gone-after");
    if (goneAfter.compareTo(Duration.ofSeconds(1)) < 0
        || goneAfter.compareTo(Duration.ofSeconds(4)) > 0) {
      throw f.error(
          "keepwatch.keepalived.agent-gone-after",
          "must be from 1s to 4s, got "
              + goneAfter.toMillis()
              + " ms: shorter than a restart of the agent would move the VIP at every upgrade;"
              + " longer, an agent gone for good would be trusted for more than 5 s");
    }
    String trackProcess = f.string("keepwatch.keepalived.track-process");
    if (trackProcess.length() > 15 || !trackProcess.matches("[A-Za-z0-9._-]*")) {
      throw f.error(
          "keepwatch.keepalived.track-process",
          "must be a process name of at most 15 letters, digits, '.', '_' or '-' (the kernel"
              + " keeps 15), got "
              + Printable.quoted(trackProcess, 40));
    }
    AgentConfig.Keepalived keepalived =
        new AgentConfig.Keepalived(
            f.optionalPath("keepwatch.keepalived.pidfile"),
            trackProcess.isEmpty() ? Optional.empty() : Optional.of(trackProcess),
            goneAfter,
            f.addresses("keepwatch.keepalived.vips"),
            f.argvList("keepwatch.keepalived.gone-commands"));
    return new AgentConfig(
        source,
        f.address("keepwatch.http.listen", true),
        f.absolutePath("keepwatch.control.socket"),
        f.string("keepwatch.control.group").isEmpty()
            ? Optional.empty()
            : Optional.of(f.string("keepwatch.control.group")),
        nginxConfig,
        probes(c),
        restart,
        escalation,
        trackFile,
        f.optionalPath("keepwatch.keepalived.notify-fifo"),
        keepalived);
  }

  private static List<ProbeSpec> probes(Config c) throws ConfigError {
    ConfigObject entries;
    try {
      entries = c.getObject(PROBES);
    } catch (ConfigException e) {
      throw new Fields(c, "").error(PROBES, "must be an object with one entry per probe");
    }
    Map<String, ConfigValue> sorted = new TreeMap<>(entries);
    List<ProbeSpec> specs = new ArrayList<>();
    for (Map.Entry<String, ConfigValue> entry : sorted.entrySet()) {
      if (entry.getValue().valueType() == ConfigValueType.NULL) {
        continue; // a default probe the operator switched off with "name = null"
      }
      specs.add(probe(c, entry.getKey(), entry.getValue()));
    }
    if (specs.stream().noneMatch(ProbeSpec::critical)) {
      throw new ConfigError(
          Fields.where(entries.origin()),
          PROBES,
          "no critical probe: the verdict would have nothing to judge; set critical = true on at least one");
    }
    return specs;
  }

  private static ProbeSpec probe(Config c, String name, ConfigValue value) throws ConfigError {
    String path = ConfigUtil.joinPath("keepwatch", "probes", name);
    if (!PROBE_NAME.matcher(name).matches()) {
      throw new ConfigError(
          Fields.where(value.origin()),
          path,
          "probe names may hold only letters, digits, '-' and '_' (at most 64)");
    }
    if (!(value instanceof ConfigObject object)) {
      throw new ConfigError(
          Fields.where(value.origin()),
          path,
          "must be an object like { kind = tcp, address = \"127.0.0.1:80\" }, or null to switch it off");
    }
    ProbeKind kind = kindOf(object, path);
    Config probe =
        object
            .toConfig()
            .withFallback(c.getConfig(PROBE_DEFAULTS + "." + ConfigUtil.quoteString(kind.name())));
    Fields f = new Fields(probe, path);
    int rise = f.integer("rise", 1, 1000);
    int fall = f.integer("fall", 1, 1000);
    ProbeSpec.Target target = kind.readTarget(f);
    return new ProbeSpec(
        name,
        f.positiveDuration("interval"),
        f.positiveDuration("timeout"),
        rise,
        fall,
        f.bool("critical"),
        target,
        onFailure(f));
  }

  /** {@code on-failure}: auto (empty), restart, failover or report. */
  private static Optional<OnFailure> onFailure(Fields f) throws ConfigError {
    String value = f.string("on-failure");
    if (value.equals("auto")) {
      return Optional.empty();
    }
    for (OnFailure choice : OnFailure.values()) {
      if (choice.label().equals(value)) {
        return Optional.of(choice);
      }
    }
    throw f.error(
        "on-failure",
        "must be auto, restart, failover or report, got " + Printable.quoted(value, 40));
  }

  private static ProbeKind kindOf(ConfigObject probe, String path) throws ConfigError {
    ConfigValue kind = probe.get("kind");
    if (kind == null || kind.valueType() == ConfigValueType.NULL) {
      throw new ConfigError(
          Fields.where(probe.origin()),
          path + ".kind",
          "missing; must be one of " + ProbeKinds.names());
    }
    Optional<ProbeKind> known =
        kind.valueType() == ConfigValueType.STRING
            ? ProbeKinds.named(String.valueOf(kind.unwrapped()))
            : Optional.empty();
    if (known.isEmpty()) {
      throw new ConfigError(
          Fields.where(kind.origin()),
          path + ".kind",
          "unknown kind " + kind.render() + "; must be one of " + ProbeKinds.names());
    }
    return known.get();
  }

  /** Typesafe Config's own exceptions, reworded to our one-line form. */
  static ConfigError fromTypesafe(ConfigException e) {
    String message = e.getMessage();
    if (e.origin() != null) {
      // Its messages start with the origin's description; we say it as file:line instead.
      String description = e.origin().description();
      if (message.startsWith(description + ": ")) {
        message = message.substring(description.length() + 2);
      }
    }
    return new ConfigError(Fields.where(e.origin()), "", message);
  }
}
