package io.keepwatch.agent.endpoints;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import io.keepwatch.agent.keepalived.VrrpRoles;
import io.keepwatch.agent.supervisor.ActionRecord;
import io.keepwatch.agent.verdict.ProbeStatus;
import io.keepwatch.agent.verdict.Snapshot;
import io.keepwatch.probes.ProbeResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders a {@link Snapshot} for people and programs: the /status JSON and the / page. Rendered per
 * request from the last results; nothing here probes nginx.
 */
public final class StatusDocuments {

  private static final ConfigRenderOptions JSON =
      ConfigRenderOptions.concise().setJson(true).setFormatted(true);

  private StatusDocuments() {}

  /** The /status document, as a tree of maps (also what the JSON is rendered from). */
  public static Map<String, Object> tree(
      Snapshot snapshot,
      List<ActionRecord> actions,
      Map<String, VrrpRoles.Role> vrrp,
      AgentInfo info) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("state", snapshot.verdict().state().name());
    root.put("reason", snapshot.verdict().reason());
    root.put("since", snapshot.verdict().since().toString());
    root.put("node", info.node());
    root.put("version", info.version());
    root.put("started", info.startedAt().toString());
    Map<String, Object> probes = new LinkedHashMap<>();
    for (ProbeStatus probe : snapshot.probes()) {
      probes.put(probe.spec().name(), probe(probe));
    }
    root.put("probes", probes);
    List<Map<String, Object>> done = new ArrayList<>();
    for (ActionRecord action : actions) {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("at", action.at().toString());
      a.put("action", action.action());
      a.put("outcome", action.outcome());
      done.add(a);
    }
    root.put("actions", done);
    Map<String, Object> roles = new LinkedHashMap<>();
    new java.util.TreeMap<>(vrrp)
        .forEach(
            (name, role) -> {
              Map<String, Object> r = new LinkedHashMap<>();
              r.put("type", role.type());
              r.put("state", role.state());
              r.put("priority", role.priority());
              r.put("since", role.since().toString());
              // keepalived's MASTER holds the instance's virtual addresses: its word, not a guess
              r.put("holds_vip", role.state().equals("MASTER"));
              roles.put(name, r);
            });
    root.put("vrrp", roles);
    // Whether /check answers 200 only because restart.hold-vip is in force (was "holds_vip",
    // which read as "this node holds the VIP").
    root.put("hold_vip_in_force", snapshot.holdsVip());
    return root;
  }

  /** The /status JSON. Typesafe Config, already a dependency, renders valid JSON. */
  public static String json(
      Snapshot snapshot,
      List<ActionRecord> actions,
      Map<String, VrrpRoles.Role> vrrp,
      AgentInfo info) {
    return ConfigValueFactory.fromMap(tree(snapshot, actions, vrrp, info)).render(JSON) + "\n";
  }

  private static Map<String, Object> probe(ProbeStatus probe) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("kind", probe.spec().target().kind());
    p.put("critical", probe.spec().critical());
    p.put("health", probe.health().name());
    p.put("reason", probe.reason());
    p.put("consecutive_successes", probe.riseFall().consecutiveSuccesses());
    p.put("consecutive_failures", probe.riseFall().consecutiveFailures());
    p.put("rise", probe.spec().rise());
    p.put("fall", probe.spec().fall());
    p.put("interval_ms", probe.spec().interval().toMillis());
    p.put("timeout_ms", probe.spec().timeout().toMillis());
    if (probe.last().isPresent()) {
      ProbeResult last = probe.last().get();
      Map<String, Object> l = new LinkedHashMap<>();
      l.put("ok", last.healthy());
      l.put("outcome", last.outcome().label());
      l.put("detail", last.detail());
      l.put("latency_ms", last.latency().toNanos() / 1e6);
      l.put("at", probe.lastAt().map(Object::toString).orElse(""));
      p.put("last", l);
    }
    return p;
  }

  /** The / page (see {@link StatusPage}). */
  public static String html(
      Snapshot snapshot,
      List<ActionRecord> actions,
      Map<String, VrrpRoles.Role> vrrp,
      AgentInfo info) {
    return StatusPage.render(snapshot, actions, vrrp, info, java.time.Instant.now());
  }

  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
