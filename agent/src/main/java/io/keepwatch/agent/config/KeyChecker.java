package io.keepwatch.agent.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import io.keepwatch.agent.probing.ProbeKinds;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Rejects keys the reference does not know, with a suggestion for typos. */
final class KeyChecker {
  private final Config reference;
  private final Config merged;
  private final ErrorList errors;

  /**
   * @param errors where every unknown key is noted, so one pass reports them all
   */
  KeyChecker(Config reference, Config merged, ErrorList errors) {
    this.reference = reference;
    this.merged = merged;
    this.errors = errors;
  }

  /** Notes every unknown key under {@code object} in the error list. */
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
    if (kind == null || ProbeKinds.named(String.valueOf(kind.unwrapped())).isEmpty()) {
      return; // reported with a better message when the probe is read
    }
    Config defaults =
        reference.getConfig(
            ConfigLoader.PROBE_DEFAULTS
                + "."
                + ConfigUtil.quoteString(String.valueOf(kind.unwrapped())));
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
