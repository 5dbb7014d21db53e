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
import java.net.InetSocketAddress;
import java.net.URI;
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

  /** Probes per configuration: thousands exhausted the heap (issue 14); a node needs a handful. */
  static final int MAX_PROBES = 32;

  /**
   * A probe's interval: faster than 100 ms costs CPU for nothing (the process probe is the
   * cheapest, and nginx's state does not change faster than keepalived can act); an hour is the
   * longest that still watches anything.
   */
  static final Duration MIN_INTERVAL = Duration.ofMillis(100);

  static final Duration MAX_INTERVAL = Duration.ofHours(1);

  /**
   * A probe's timeout: below 50 ms a healthy nginx fails on a scheduling hiccup or a GC pause, and
   * the agent restarts it for nothing (1 ms did, three times in ten seconds); above a minute a hung
   * nginx goes unnoticed for minutes.
   */
  static final Duration MIN_TIMEOUT = Duration.ofMillis(50);

  static final Duration MAX_TIMEOUT = Duration.ofMinutes(1);

  private static final Duration SECOND = Duration.ofSeconds(1);
  private static final Duration TEN_MINUTES = Duration.ofMinutes(10);

  /** The loaded configuration and the effective merged tree (for "config check"). */
  public record Loaded(AgentConfig config, Config effective) {
    /**
     * Where a key's value came from, for messages: "FILE:LINE", or "the default" when no file set
     * it.
     */
    public String where(String key) {
      Fields fields = new Fields(effective, "");
      return fields.isDefault(key) ? "the default" : fields.where(key);
    }

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
    ConfigFiles files = new ConfigFiles();
    String text = files.read(file);
    Config user;
    try {
      // Typesafe Config opens the file again (it must, to resolve includes relative to it); the
      // read above has checked it, and the includer checks every file it includes.
      user =
          ConfigFactory.parseFile(
              file.toFile(),
              ConfigParseOptions.defaults()
                  .setSyntax(ConfigSyntax.CONF)
                  .setAllowMissing(false)
                  .setIncluder(files));
    } catch (ConfigFiles.Refused e) {
      throw e.error();
    } catch (ConfigException e) {
      throw fromTypesafe(e, text);
    }
    return build(user, file.toString());
  }

  /** Parses HOCON text as if it were a file named {@code name}; for tests and tools. */
  public static Loaded parse(String text, String name) throws ConfigError {
    ConfigFiles.requireShallow(text, name);
    Config user;
    try {
      user =
          ConfigFactory.parseString(
              text,
              ConfigParseOptions.defaults()
                  .setOriginDescription(name)
                  .setIncluder(new ConfigFiles()));
    } catch (ConfigFiles.Refused e) {
      throw e.error();
    } catch (ConfigException e) {
      throw fromTypesafe(e, text);
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
      throw blameTheUsersFile(fromTypesafe(e), source);
    } catch (StackOverflowError e) {
      // A chain of thousands of substitutions (a = ${b}, b = ${c}...) recurses once per link;
      // the file size limit keeps it short of the heap, not of the stack. The stack has unwound
      // here, and nothing was half-built.
      throw new ConfigError(source, "", "substitutions (${...}) chained too deeply to resolve");
    }
    ErrorList errors = new ErrorList();
    new KeyChecker(resolvedReference, merged, errors).check(user.root(), List.of());
    AgentConfig config = null;
    try {
      config = read(merged, source);
    } catch (ConfigError e) {
      e.all().forEach(one -> errors.add(blameTheUsersLine(one, user)));
    }
    errors.dropEchoesOfTheUsersMistakes();
    errors.throwIfAny();
    return new Loaded(config, merged);
  }

  /**
   * reference.conf resolves alone, so a resolve that fails where a default is was made to fail by
   * the user's file: a {@code +=} on a default that is not a list, a {@code ${...}} that makes a
   * default an object. Typesafe Config names the default's line; the mistake is in this file.
   */
  private static ConfigError blameTheUsersFile(ConfigError e, String source) {
    if (!e.where().contains("reference.conf")) {
      return e;
    }
    return new ConfigError(
        source,
        "",
        "this file's += or ${...} cannot combine with keepwatch's default at "
            + e.where()
            + ": "
            + e.problem());
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

  /**
   * Reads every field, collecting every mistake (see {@link ErrorList}) before anything is built,
   * so {@code config check} reports them all at once.
   */
  private static AgentConfig read(Config c, String source) throws ConfigError {
    ErrorList errors = new ErrorList();
    Fields f = new Fields(c, "");
    Path pidfile = errors.take(() -> f.absolutePath("keepwatch.nginx.pidfile"), null);
    List<String> configTest = errors.take(() -> f.argv("keepwatch.nginx.config-test"), null);
    List<String> restartCommand = errors.take(() -> f.argv("keepwatch.nginx.restart"), null);
    Duration commandTimeout =
        errors.take(
            () -> f.durationWithin("keepwatch.nginx.command-timeout", SECOND, TEN_MINUTES), null);
    List<String> configDump = errors.take(() -> f.argv("keepwatch.nginx.config-dump"), null);
    Duration fingerprintInterval =
        errors.take(() -> f.duration("keepwatch.nginx.config-fingerprint-interval"), null);
    if (fingerprintInterval != null
        && !fingerprintInterval.isZero()
        && fingerprintInterval.compareTo(MIN_INTERVAL) < 0) {
      errors.add(
          f.error(
              "keepwatch.nginx.config-fingerprint-interval",
              "must be 0s (never) or at least 100ms (each run starts nginx -T), got "
                  + fingerprintInterval.toMillis()
                  + " ms"));
    }
    Duration grace =
        errors.take(
            () -> f.durationWithin("keepwatch.restart.grace", MIN_INTERVAL, TEN_MINUTES), null);
    Duration holdVip = errors.take(() -> f.duration("keepwatch.restart.hold-vip"), null);
    if (grace != null && holdVip != null && holdVip.compareTo(grace) > 0) {
      // Name the one of the two the user's file set: the other is only a default.
      if (f.isDefault("keepwatch.restart.hold-vip")) {
        errors.add(
            f.error(
                "keepwatch.restart.grace",
                "must not be shorter than restart.hold-vip ("
                    + holdVip.toMillis()
                    + " ms, the default): a failing nginx would hold the VIP; lower hold-vip too"));
      } else {
        errors.add(
            f.error(
                "keepwatch.restart.hold-vip",
                "must not be longer than restart.grace ("
                    + grace.toMillis()
                    + " ms): a failing nginx would hold the VIP"));
      }
    }
    Boolean restartEnabled = errors.take(() -> f.bool("keepwatch.restart.enabled"), null);
    Integer maxAttempts =
        errors.take(() -> f.integer("keepwatch.restart.max-attempts", 1, 1000), null);
    Duration window =
        errors.take(
            () -> f.durationWithin("keepwatch.restart.window", SECOND, Duration.ofDays(1)), null);
    Duration backoff =
        errors.take(
            () -> f.durationWithin("keepwatch.restart.backoff", MIN_TIMEOUT, TEN_MINUTES), null);
    if (maxAttempts != null && window != null && grace != null && backoff != null) {
      // Attempts are at least a grace and a back-off apart: a window shorter than that many gaps
      // can never hold max-attempts of them, so the node would never escalate, only restart.
      Duration gaps = grace.plus(backoff).multipliedBy(maxAttempts - 1L);
      if (window.compareTo(gaps) < 0) {
        // Name the key the user's file set: the others are only defaults.
        String blamed =
            java.util.stream.Stream.of("window", "grace", "backoff", "max-attempts")
                .map(k -> "keepwatch.restart." + k)
                .filter(k -> !f.isDefault(k))
                .findFirst()
                .orElse("keepwatch.restart.window");
        errors.add(
            f.error(
                blamed,
                "restart.window ("
                    + window.toMillis()
                    + " ms) must be at least (max-attempts - 1) x (grace + backoff) = "
                    + gaps.toMillis()
                    + " ms: the attempts could never fall within one window, and nginx would be"
                    + " restarted forever instead of escalating"));
      }
    }
    List<List<String>> escalationCommands =
        errors.take(() -> f.argvList("keepwatch.escalation.commands"), null);
    Boolean sticky = errors.take(() -> f.bool("keepwatch.escalation.sticky"), null);
    Duration escalationTimeout =
        errors.take(
            () ->
                f.durationWithin("keepwatch.escalation.command-timeout", MIN_INTERVAL, TEN_MINUTES),
            null);
    Optional<URI> webhook = errors.take(() -> f.optionalUrl("keepwatch.escalation.webhook"), null);
    Duration webhookTimeout =
        errors.take(
            () ->
                f.durationWithin("keepwatch.escalation.webhook-timeout", MIN_INTERVAL, MAX_TIMEOUT),
            null);
    Optional<Path> trackPath = errors.take(() -> f.optionalPath("keepwatch.track-file.path"), null);
    Integer upValue =
        errors.take(
            () -> f.integer("keepwatch.track-file.up-value", Integer.MIN_VALUE, Integer.MAX_VALUE),
            null);
    Integer downValue =
        errors.take(
            () ->
                f.integer("keepwatch.track-file.down-value", Integer.MIN_VALUE, Integer.MAX_VALUE),
            null);
    Optional<Path> degradedPath =
        errors.take(() -> f.optionalPath("keepwatch.track-file.degraded-path"), null);
    Integer degradedValue =
        errors.take(
            () -> f.integer("keepwatch.track-file.degraded-value", 1, Integer.MAX_VALUE), null);
    Duration goneAfter =
        errors.take(() -> f.positiveDuration("keepwatch.keepalived.agent-gone-after"), null);
    if (goneAfter != null
        && (goneAfter.compareTo(Duration.ofSeconds(1)) < 0
            || goneAfter.compareTo(Duration.ofSeconds(4)) > 0)) {
      errors.add(
          f.error(
              "keepwatch.keepalived.agent-gone-after",
              "must be from 1s to 4s, got "
                  + goneAfter.toMillis()
                  + " ms: shorter than a restart of the agent would move the VIP at every upgrade;"
                  + " longer, an agent gone for good would be trusted for more than 5 s"));
    }
    String trackProcess = errors.take(() -> f.string("keepwatch.keepalived.track-process"), null);
    if (trackProcess != null
        && (trackProcess.length() > 15 || !trackProcess.matches("[A-Za-z0-9._-]*"))) {
      errors.add(
          f.error(
              "keepwatch.keepalived.track-process",
              "must be a process name of at most 15 letters, digits, '.', '_' or '-' (the kernel"
                  + " keeps 15), got "
                  + Printable.quoted(trackProcess, 40)));
    }
    Optional<Path> keepalivedPidfile =
        errors.take(() -> f.optionalPath("keepwatch.keepalived.pidfile"), null);
    List<java.net.InetAddress> vips =
        errors.take(() -> f.addresses("keepwatch.keepalived.vips"), null);
    List<List<String>> goneCommands =
        errors.take(() -> f.argvList("keepwatch.keepalived.gone-commands"), null);
    InetSocketAddress httpListen = errors.take(() -> loopbackListen(f), null);
    Path controlSocket = errors.take(() -> socketPath(f, "keepwatch.control.socket"), null);
    String controlGroup = errors.take(() -> f.string("keepwatch.control.group"), null);
    Optional<Path> notifyFifo =
        errors.take(() -> f.optionalPath("keepwatch.keepalived.notify-fifo"), null);
    AgentConfig.Network network = errors.take(() -> NetworkSettings.read(f, httpListen), null);
    List<ProbeSpec> probes = probes(c, errors);
    errors.throwIfAny();
    return new AgentConfig(
        source,
        httpListen,
        controlSocket,
        controlGroup.isEmpty() ? Optional.empty() : Optional.of(controlGroup),
        new AgentConfig.Nginx(
            pidfile, configTest, restartCommand, commandTimeout, configDump, fingerprintInterval),
        probes,
        new AgentConfig.Restart(restartEnabled, maxAttempts, window, grace, backoff, holdVip),
        new AgentConfig.Escalation(
            escalationCommands, sticky, escalationTimeout, webhook, webhookTimeout),
        trackPath.map(
            path ->
                new AgentConfig.TrackFile(path, upValue, downValue, degradedPath, degradedValue)),
        notifyFifo,
        new AgentConfig.Keepalived(
            keepalivedPidfile,
            trackProcess.isEmpty() ? Optional.empty() : Optional.of(trackProcess),
            goneAfter,
            vips,
            goneCommands),
        network);
  }

  /**
   * http.listen is where keepwatch-check asks (127.0.0.1 by default): it must stay on loopback, or
   * the check fails and keepalived moves the VIP. Other hosts scrape through network.listen.
   */
  private static InetSocketAddress loopbackListen(Fields f) throws ConfigError {
    InetSocketAddress listen = f.address("keepwatch.http.listen", true);
    if (!listen.getAddress().isLoopbackAddress()) {
      throw f.error(
          "keepwatch.http.listen",
          "must be a loopback address such as 127.0.0.1:9523 (keepwatch-check asks there); to let"
              + " other hosts scrape /metrics, set keepwatch.network.listen instead");
    }
    return listen;
  }

  /**
   * sun_path holds 108 bytes with its terminating NUL (unix(7)): a longer path can never be bound.
   */
  static final int MAX_SOCKET_PATH_BYTES = 107;

  private static Path socketPath(Fields f, String key) throws ConfigError {
    Path path = f.absolutePath(key);
    int bytes = path.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    if (bytes > MAX_SOCKET_PATH_BYTES) {
      throw f.error(
          key,
          "too long for a unix socket: "
              + bytes
              + " bytes, at most "
              + MAX_SOCKET_PATH_BYTES
              + " (unix(7)); choose a shorter path");
    }
    return path;
  }

  /** Every probe that reads cleanly; the mistakes of the others go to {@code errors}. */
  private static List<ProbeSpec> probes(Config c, ErrorList errors) {
    ConfigObject entries;
    try {
      entries = c.getObject(PROBES);
    } catch (ConfigException e) {
      errors.add(new Fields(c, "").error(PROBES, "must be an object with one entry per probe"));
      return List.of();
    }
    Map<String, ConfigValue> sorted = new TreeMap<>(entries);
    long configured =
        sorted.values().stream().filter(v -> v.valueType() != ConfigValueType.NULL).count();
    if (configured > MAX_PROBES) {
      errors.add(
          new ConfigError(
              Fields.where(entries.origin()),
              PROBES,
              configured
                  + " probes; at most "
                  + MAX_PROBES
                  + " (each runs on its own schedule and holds its own state: a few are enough"
                  + " for one nginx)"));
      return List.of();
    }
    List<ProbeSpec> specs = new ArrayList<>();
    int brokenProbes = 0;
    for (Map.Entry<String, ConfigValue> entry : sorted.entrySet()) {
      if (entry.getValue().valueType() == ConfigValueType.NULL) {
        continue; // a default probe the operator switched off with "name = null"
      }
      int before = specs.size();
      errors.take(() -> specs.add(probe(c, entry.getKey(), entry.getValue())), false);
      if (specs.size() == before) {
        brokenProbes++;
      }
    }
    if (brokenProbes == 0 && specs.stream().noneMatch(ProbeSpec::critical)) {
      errors.add(
          new ConfigError(
              Fields.where(entries.origin()),
              PROBES,
              "no critical probe: the verdict would have nothing to judge; set critical = true on at least one"));
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
    // Every field is read, so each of this probe's mistakes is reported, not only the first.
    ErrorList errors = new ErrorList();
    Integer rise = errors.take(() -> f.integer("rise", 1, 1000), null);
    Integer fall = errors.take(() -> f.integer("fall", 1, 1000), null);
    ProbeSpec.Target target = errors.take(() -> kind.readTarget(f), null);
    Duration interval =
        errors.take(() -> f.durationWithin("interval", MIN_INTERVAL, MAX_INTERVAL), null);
    Duration timeout =
        errors.take(() -> f.durationWithin("timeout", MIN_TIMEOUT, MAX_TIMEOUT), null);
    Boolean critical = errors.take(() -> f.bool("critical"), null);
    Optional<OnFailure> onFailure = errors.take(() -> onFailure(f), null);
    errors.throwIfAny();
    return new ProbeSpec(name, interval, timeout, rise, fall, critical, target, onFailure);
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

  /**
   * A syntax error, reworded where the parser's words mislead: at the end of a file with an
   * unclosed '{' it says "expecting a close parentheses ')'", and a stray '}' gets a long hint
   * about quoting.
   */
  static ConfigError fromTypesafe(ConfigException e, String text) {
    ConfigError plain = fromTypesafe(e);
    String problem = plain.problem();
    if (problem.contains("end of file")) {
      Optional<Braces.Open> open = Braces.unclosed(text);
      if (open.isPresent()) {
        String closer = open.get().brace() == '{' ? "'}'" : "']'";
        return new ConfigError(
            plain.where(),
            "",
            "the file ends while the '"
                + open.get().brace()
                + "' opened on line "
                + open.get().line()
                + " is still open: a closing "
                + closer
                + " is missing");
      }
    }
    if (problem.startsWith("unbalanced close brace")) {
      return new ConfigError(
          plain.where(),
          "",
          "this '}' closes nothing: there is one '}' too many here, or a '{' missing above");
    }
    return plain;
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
