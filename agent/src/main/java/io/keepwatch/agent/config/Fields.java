package io.keepwatch.agent.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.keepwatch.probes.Printable;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads typed fields from a resolved Config and turns every failure, Typesafe Config's or our own
 * range checks, into a {@link ConfigError} naming file:line and the full key. Each key is read
 * relative to {@code prefix}, so messages always show the full path.
 */
public final class Fields {

  private final Config config;
  private final String prefix;

  Fields(Config config, String prefix) {
    this.config = config;
    this.prefix = prefix;
  }

  /** The full path of a key, for messages. */
  public String path(String key) {
    return prefix.isEmpty() ? key : prefix + "." + key;
  }

  /** Whether this key's value is keepwatch's default (reference.conf), not the user's. */
  public boolean isDefault(String key) {
    return where(key).matches("(.*/)?reference\\.conf(:\\d+)?");
  }

  /** "file:line" of where this key's value was set. */
  public String where(String key) {
    try {
      return where(config.getValue(key).origin());
    } catch (ConfigException e) {
      return e.origin() == null ? "?" : where(e.origin());
    }
  }

  static String where(ConfigOrigin origin) {
    if (origin == null) {
      return "?";
    }
    if (origin.filename() == null && origin.description().startsWith("merge of ")) {
      // An object set in the file and in reference.conf: the file's part is named first.
      String first = origin.description().substring("merge of ".length()).split(",", -1)[0];
      return first.replaceFirst(": (\\d+)$", ":$1");
    }
    String file =
        origin.filename() != null
            ? origin.filename()
            : origin.resource() != null ? origin.resource() : origin.description();
    return origin.lineNumber() > 0 ? file + ":" + origin.lineNumber() : file;
  }

  public ConfigError error(String key, String problem) {
    return new ConfigError(where(key), path(key), problem);
  }

  public String string(String key) throws ConfigError {
    return read(key, "a string", config::getString);
  }

  public boolean bool(String key) throws ConfigError {
    return read(key, "true or false", config::getBoolean);
  }

  public int integer(String key, int min, int max) throws ConfigError {
    int value = read(key, "an integer", config::getInt);
    if (value < min || value > max) {
      String range =
          max == Integer.MAX_VALUE ? "at least " + min : "between " + min + " and " + max;
      throw error(key, "must be " + range + ", got " + value);
    }
    return value;
  }

  public Duration positiveDuration(String key) throws ConfigError {
    Duration value = duration(key);
    if (value.isZero()) {
      throw error(key, "must be a positive duration, got " + rendered(key));
    }
    return value;
  }

  /** A duration of zero or more. */
  public Duration duration(String key) throws ConfigError {
    Duration value;
    try {
      value = config.getDuration(key);
    } catch (ConfigException.BadValue e) {
      throw error(key, "bad duration " + rendered(key) + " (write e.g. 200ms, 1s, 5m)");
    } catch (ConfigException e) {
      throw translate(key, "a duration such as 200ms or 1s", e);
    }
    if (value.isNegative()) {
      throw error(key, "must not be negative, got " + rendered(key));
    }
    return value;
  }

  /** "" for none, otherwise an http:// or https:// URL. */
  public Optional<URI> optionalUrl(String key) throws ConfigError {
    String text = string(key).strip();
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      URI uri = new URI(text);
      if (uri.getHost() == null
          || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
        throw error(key, "must be an http:// or https:// URL, got '" + text + "'");
      }
      return Optional.of(uri);
    } catch (URISyntaxException e) {
      throw error(key, "not a URL: " + e.getMessage());
    }
  }

  /** An argv list: at least one element, none empty. */
  public List<String> argv(String key) throws ConfigError {
    return argv(key, read(key, "a list of strings (argv)", config::getList));
  }

  /** A list of argv lists, e.g. escalation commands. */
  public List<List<String>> argvList(String key) throws ConfigError {
    ConfigList outer = read(key, "a list of argv lists", config::getList);
    List<List<String>> commands = new ArrayList<>();
    for (int i = 0; i < outer.size(); i++) {
      ConfigValue element = outer.get(i);
      if (!(element instanceof ConfigList inner)) {
        throw new ConfigError(
            where(element.origin()),
            path(key) + "[" + i + "]",
            "must be an argv list such as [\"systemctl\", \"stop\", \"keepalived\"], got "
                + element.render());
      }
      commands.add(argv(key + "[" + i + "]", inner));
    }
    return commands;
  }

  private List<String> argv(String key, ConfigList list) throws ConfigError {
    if (list.isEmpty()) {
      throw error(key, "must name a program, got an empty list");
    }
    List<String> argv = new ArrayList<>();
    for (ConfigValue element : list) {
      if (element.valueType() != ConfigValueType.STRING
          && element.valueType() != ConfigValueType.NUMBER) {
        throw new ConfigError(
            where(element.origin()),
            path(key),
            "every argv element must be a string, got " + element.render());
      }
      String word = String.valueOf(element.unwrapped());
      if (word.indexOf('\0') >= 0) {
        throw new ConfigError(
            where(element.origin()),
            path(key) + "[" + argv.size() + "]",
            "contains a NUL character, which no program argument can: "
                + Printable.quoted(word, 80));
      }
      argv.add(word);
    }
    if (argv.get(0).isBlank()) {
      throw error(key, "the program name (first element) is empty");
    }
    return argv;
  }

  /** An absolute path. */
  public Path absolutePath(String key) throws ConfigError {
    String text = string(key);
    if (text.indexOf('\0') >= 0) {
      throw error(
          key,
          "must be an absolute path, got one with a NUL character: " + Printable.quoted(text, 80));
    }
    Path path = Path.of(text);
    if (text.isEmpty() || !path.isAbsolute()) {
      throw error(key, "must be an absolute path, got " + Printable.quoted(text, 80));
    }
    return path;
  }

  /** "" for off, otherwise an absolute path. */
  public Optional<Path> optionalPath(String key) throws ConfigError {
    return string(key).isEmpty() ? Optional.empty() : Optional.of(absolutePath(key));
  }

  /**
   * "host:port" or "[v6]:port", resolved now so that no DNS lookup happens later.
   *
   * @param allowAnyPort whether port 0 (any free port, for listening) is allowed
   */
  public InetSocketAddress address(String key, boolean allowAnyPort) throws ConfigError {
    return address(key, string(key).strip(), allowAnyPort);
  }

  /** A list of strings. */
  List<String> strings(String key) throws ConfigError {
    return read(key, "a list of strings", config::getStringList);
  }

  /** Parses one "host:port" that came from {@code key} (e.g. an element of a list). */
  InetSocketAddress address(String key, String text, boolean allowAnyPort) throws ConfigError {
    int colon = text.lastIndexOf(':');
    String usage = "must be host:port, e.g. 127.0.0.1:80 or [::1]:80, got '" + text + "'";
    if (colon <= 0 || colon == text.length() - 1) {
      throw error(key, usage);
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw error(key, usage + " (put an IPv6 address in brackets)");
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw error(key, usage);
    }
    int lowest = allowAnyPort ? 0 : 1;
    if (port < lowest || port > 65535) {
      throw error(key, "port must be between " + lowest + " and 65535, got " + port);
    }
    try {
      return new InetSocketAddress(InetAddress.getByName(host), port);
    } catch (UnknownHostException e) {
      throw error(key, "cannot resolve host '" + host + "'");
    }
  }

  /** A list of IP addresses written as literals ("192.0.2.10", "2001:db8::10"); no DNS. */
  public List<InetAddress> addresses(String key) throws ConfigError {
    List<String> texts = read(key, "a list of IP addresses", config::getStringList);
    List<InetAddress> addresses = new ArrayList<>();
    for (String text : texts) {
      String literal = text.strip();
      // Only literals: getByName of a name would ask DNS, at every start, on a node in trouble.
      if (!literal.matches("[0-9.]+")
          && !(literal.contains(":") && literal.matches("[0-9a-fA-F:.]+"))) {
        throw error(key, "must hold IP addresses, got " + Printable.quoted(text, 60));
      }
      try {
        addresses.add(InetAddress.getByName(literal));
      } catch (UnknownHostException e) {
        throw error(key, "not an IP address: " + Printable.quoted(text, 60));
      }
    }
    return addresses;
  }

  /** Reads with a Typesafe getter and a parser of ours; either's failure names the key. */
  public <T> T parsed(String key, Function<String, T> parser) throws ConfigError {
    String text = string(key);
    try {
      return parser.apply(text);
    } catch (IllegalArgumentException e) {
      throw error(key, e.getMessage());
    }
  }

  private interface Getter<T> {
    T get(String key);
  }

  private <T> T read(String key, String expected, Getter<T> getter) throws ConfigError {
    try {
      return getter.get(key);
    } catch (ConfigException e) {
      throw translate(key, expected, e);
    }
  }

  private ConfigError translate(String key, String expected, ConfigException e) {
    if (e instanceof ConfigException.Null) {
      return error(key, "must be " + expected + ", not null");
    }
    if (e instanceof ConfigException.Missing) {
      return new ConfigError(where(key), path(key), "missing; must be " + expected);
    }
    return error(key, "must be " + expected + ", got " + rendered(key));
  }

  private String rendered(String key) {
    try {
      return config.getValue(key).render();
    } catch (ConfigException e) {
      return "nothing";
    }
  }
}
