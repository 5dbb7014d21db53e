package io.keepwatch.agent.endpoints;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import io.keepwatch.agent.keepalived.KeepalivedView;
import io.keepwatch.agent.supervisor.ActionRecord;
import io.keepwatch.agent.verdict.ProbeStatus;
import io.keepwatch.agent.verdict.RiseFall;
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
      Snapshot snapshot, List<ActionRecord> actions, KeepalivedView keepalived, AgentInfo info) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("state", snapshot.verdict().state().name());
    root.put("reason", snapshot.verdict().reason());
    root.put("since", snapshot.verdict().since().toString());
    // What keepalived hears: /check (everything as it should be) and /check/serving (nginx
    // answers at all), true for a 200.
    root.put("check", snapshot.answer().up());
    root.put("serving", snapshot.serving().up());
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
    new java.util.TreeMap<>(keepalived.roles())
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
    keepalived
        .watch()
        .ifPresent(
            w ->
                root.put(
                    "keepalived",
                    Map.of(
                        "up",
                        w.up(),
                        "detail",
                        w.detail(),
                        "since",
                        w.since().toString(),
                        "stranded_vips",
                        w.strandedVips())));
    // Whether /check answers 200 only because restart.hold-vip is in force (was "holds_vip",
    // which read as "this node holds the VIP").
    root.put("hold_vip_in_force", snapshot.holdsVip());
    return root;
  }

  /** The /status JSON. Typesafe Config, already a dependency, renders valid JSON. */
  public static String json(
      Snapshot snapshot, List<ActionRecord> actions, KeepalivedView keepalived, AgentInfo info) {
    return ConfigValueFactory.fromMap(tree(snapshot, actions, keepalived, info)).render(JSON)
        + "\n";
  }

  private static Map<String, Object> probe(ProbeStatus probe) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("kind", probe.spec().target().kind());
    p.put("critical", probe.spec().critical());
    p.put("health", probe.health().name());
    p.put("reason", probe.reason());
    // What the failure that made it fall calls for: restart, failover or report ("" while not DOWN)
    p.put("on_failure", probe.health() == RiseFall.Health.DOWN ? probe.onFailure().label() : "");
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
      l.put("on_failure", last.healthy() ? "" : probe.spec().calledFor(last.outcome()).label());
      l.put("detail", last.detail());
      l.put("latency_ms", last.latency().toNanos() / 1e6);
      l.put("at", probe.lastAt().map(Object::toString).orElse(""));
      p.put("last", l);
    }
    return p;
  }

  /** The / page (see {@link StatusPage}). */
  public static String html(
      Snapshot snapshot, List<ActionRecord> actions, KeepalivedView keepalived, AgentInfo info) {
    return StatusPage.render(snapshot, actions, keepalived, info, java.time.Instant.now());
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
