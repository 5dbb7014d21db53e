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
import io.keepwatch.probes.net.HttpTarget;
import io.keepwatch.probes.net.StatusRange;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
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
  private static final String PROBE_DEFAULTS = "keepwatch.probe-defaults";
  private static final Set<String> KINDS = Set.of("process", "tcp", "http", "stub-status");
  private static final Pattern PROBE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

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
      throw fromTypesafe(e, readQuietly(file));
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
      throw fromTypesafe(e);
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
        errors.take(() -> f.positiveDuration("keepwatch.nginx.command-timeout"), null);
    List<String> configDump = errors.take(() -> f.argv("keepwatch.nginx.config-dump"), null);
    Duration fingerprintInterval =
        errors.take(() -> f.duration("keepwatch.nginx.config-fingerprint-interval"), null);
    Duration grace = errors.take(() -> f.positiveDuration("keepwatch.restart.grace"), null);
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
    Duration window = errors.take(() -> f.positiveDuration("keepwatch.restart.window"), null);
    Duration backoff = errors.take(() -> f.positiveDuration("keepwatch.restart.backoff"), null);
    List<List<String>> escalationCommands =
        errors.take(() -> f.argvList("keepwatch.escalation.commands"), null);
    Boolean sticky = errors.take(() -> f.bool("keepwatch.escalation.sticky"), null);
    Duration escalationTimeout =
        errors.take(() -> f.positiveDuration("keepwatch.escalation.command-timeout"), null);
    Optional<URI> webhook = errors.take(() -> f.optionalUrl("keepwatch.escalation.webhook"), null);
    Duration webhookTimeout =
        errors.take(() -> f.positiveDuration("keepwatch.escalation.webhook-timeout"), null);
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
        trackPath.map(path -> new AgentConfig.TrackFile(path, upValue, downValue)),
        notifyFifo,
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
    String kind = kindOf(object, path);
    Config probe =
        object
            .toConfig()
            .withFallback(c.getConfig(PROBE_DEFAULTS + "." + ConfigUtil.quoteString(kind)));
    Fields f = new Fields(probe, path);
    int rise = f.integer("rise", 1, 1000);
    int fall = f.integer("fall", 1, 1000);
    ProbeSpec.Target target =
        switch (kind) {
          case "process" ->
              new ProbeSpec.ProcessTarget(
                  f.absolutePath("pidfile"),
                  nonEmpty(f, "process-name"),
                  f.integer("min-workers", 0, 4096));
          case "tcp" -> new ProbeSpec.TcpTarget(f.address("address", false));
          case "http" ->
              new ProbeSpec.HttpCheck(
                  httpTarget(f),
                  f.parsed("expect-status", StatusRange::parse),
                  f.string("expect-body"),
                  f.bool("tls-verify"));
          case "stub-status" -> new ProbeSpec.StubStatusTarget(httpTarget(f), f.bool("tls-verify"));
          default -> throw new IllegalStateException("kind checked above: " + kind);
        };
    return new ProbeSpec(
        name,
        f.positiveDuration("interval"),
        f.positiveDuration("timeout"),
        rise,
        fall,
        f.bool("critical"),
        target);
  }

  private static String kindOf(ConfigObject probe, String path) throws ConfigError {
    ConfigValue kind = probe.get("kind");
    if (kind == null || kind.valueType() == ConfigValueType.NULL) {
      throw new ConfigError(
          Fields.where(probe.origin()),
          path + ".kind",
          "missing; must be one of " + String.join(", ", new TreeSet<>(KINDS)));
    }
    String text = String.valueOf(kind.unwrapped());
    if (kind.valueType() != ConfigValueType.STRING || !KINDS.contains(text)) {
      throw new ConfigError(
          Fields.where(kind.origin()),
          path + ".kind",
          "unknown kind "
              + kind.render()
              + "; must be one of "
              + String.join(", ", new TreeSet<>(KINDS)));
    }
    return text;
  }

  private static HttpTarget httpTarget(Fields f) throws ConfigError {
    String hostHeader = f.string("host-header");
    return f.parsed("url", url -> HttpTarget.parse(url, hostHeader));
  }

  private static String nonEmpty(Fields f, String key) throws ConfigError {
    String value = f.string(key);
    if (value.isBlank()) {
      throw f.error(key, "must not be empty");
    }
    return value;
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file, java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException | RuntimeException e) {
      return "";
    }
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

  /** Rejects keys the reference does not know, with a suggestion for typos. */
  private static final class KeyChecker {
    private final Config reference;
    private final Config merged;
    private final ErrorList errors;

    KeyChecker(Config reference, Config merged, ErrorList errors) {
      this.reference = reference;
      this.merged = merged;
      this.errors = errors;
    }

    /** Notes every unknown key under {@code object} in {@code errors}. */
    void check(ConfigObject object, List<String> parent) {
      for (Map.Entry<String, ConfigValue> entry : new TreeMap<>(object).entrySet()) {
        List<String> path = new ArrayList<>(parent);
        path.add(entry.getKey());
        ConfigValue value = entry.getValue();
        if (path.size() == 3 && path.get(0).equals("keepwatch") && path.get(1).equals("probes")) {
          checkProbe(value, path);
          continue;
        }
        String joined = ConfigUtil.joinPath(path);
        if (!reference.hasPathOrNull(joined)) {
          errors.add(unknown(value, path, siblings(parent)));
          continue;
        }
        if (value instanceof ConfigObject child
            && reference.getValue(joined) instanceof ConfigObject) {
          check(child, path);
        }
      }
    }

    private void checkProbe(ConfigValue value, List<String> path) {
      if (!(value instanceof ConfigObject probe)) {
        return; // null switches a probe off; other shapes are reported when the probe is read
      }
      ConfigValue kind = merged.getObject(ConfigUtil.joinPath(path)).get("kind");
      if (kind == null || !KINDS.contains(String.valueOf(kind.unwrapped()))) {
        return; // reported with a better message when the probe is read
      }
      Config defaults =
          reference.getConfig(
              PROBE_DEFAULTS + "." + ConfigUtil.quoteString(String.valueOf(kind.unwrapped())));
      List<String> allowed = new ArrayList<>(defaults.root().keySet());
      allowed.add("kind");
      for (Map.Entry<String, ConfigValue> key : new TreeMap<>(probe).entrySet()) {
        if (!allowed.contains(key.getKey())) {
          List<String> full = new ArrayList<>(path);
          full.add(key.getKey());
          errors.add(unknown(key.getValue(), full, allowed));
        }
      }
    }

    private List<String> siblings(List<String> parent) {
      if (parent.isEmpty()) {
        return List.of("keepwatch");
      }
      ConfigValue here = reference.getValue(ConfigUtil.joinPath(parent));
      return here instanceof ConfigObject o ? new ArrayList<>(o.keySet()) : List.of();
    }

    private static ConfigError unknown(ConfigValue value, List<String> path, List<String> known) {
      String key = path.get(path.size() - 1);
      String suggestion =
          known.stream()
              .filter(k -> editDistance(k, key) <= 2)
              .findFirst()
              .map(k -> " (did you mean '" + k + "'?)")
              .orElse("");
      return new ConfigError(
          Fields.where(value.origin()), ConfigUtil.joinPath(path), "unknown key" + suggestion);
    }

    private static int editDistance(String a, String b) {
      int[] previous = new int[b.length() + 1];
      int[] current = new int[b.length() + 1];
      for (int j = 0; j <= b.length(); j++) {
        previous[j] = j;
      }
      for (int i = 1; i <= a.length(); i++) {
        current[0] = i;
        for (int j = 1; j <= b.length(); j++) {
          int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
          current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
        }
        int[] swap = previous;
        previous = current;
        current = swap;
      }
      return previous[b.length()];
    }
  }
}
