package io.keepwatch.agent.endpoints;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import io.keepwatch.agent.keepalived.KeepalivedView;
import io.keepwatch.agent.keepalived.VrrpRoles;
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
    keepalived
        .roles()
        .forEach(
            (name, role) ->
                roles.put(
                    name,
                    Map.of(
                        "type",
                        role.type(),
                        "state",
                        role.state(),
                        "priority",
                        role.priority(),
                        "since",
                        role.since().toString())));
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
    root.put("holds_vip", snapshot.holdsVip());
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

  /** The / page: one screen a tired operator can read. */
  public static String html(
      Snapshot snapshot, List<ActionRecord> actions, KeepalivedView keepalived, AgentInfo info) {
    StringBuilder out = new StringBuilder(2048);
    String state = snapshot.verdict().state().name();
    out.append("<!doctype html>\n<html><head><meta charset=\"utf-8\">")
        .append("<meta http-equiv=\"refresh\" content=\"2\">")
        .append("<title>keepwatch ")
        .append(escape(info.node()))
        .append(": ")
        .append(state)
        .append("</title>")
        .append("<style>body{font:14px sans-serif;margin:2em}table{border-collapse:collapse}")
        .append("td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}")
        .append(
            ".UP{color:#070}.DOWN,.ESCALATED{color:#b00}.STARTING,.RECOVERING,.MAINTENANCE,.UNKNOWN{color:#a60}")
        .append("</style></head><body>\n")
        .append("<h1>")
        .append(escape(info.node()))
        .append(": <span class=\"")
        .append(state)
        .append("\">")
        .append(state)
        .append("</span></h1>\n")
        .append("<p>")
        .append(escape(snapshot.verdict().reason()))
        .append("</p>\n")
        .append("<p>since ")
        .append(snapshot.verdict().since())
        .append(" &middot; keepwatch ")
        .append(escape(info.version()))
        .append(" started ")
        .append(info.startedAt())
        .append("</p>\n")
        .append("<table><tr><th>probe</th><th>kind</th><th>critical</th><th>health</th>")
        .append("<th>last result</th><th>latency</th><th>in a row</th></tr>\n");
    for (ProbeStatus probe : snapshot.probes()) {
      String health = probe.health().name();
      String last = probe.last().map(ProbeResult::detail).orElse("(no result yet)");
      String latency =
          probe.last().map(r -> String.format("%.1f ms", r.latency().toNanos() / 1e6)).orElse("");
      int streak =
          Math.max(probe.riseFall().consecutiveSuccesses(), probe.riseFall().consecutiveFailures());
      String streakText =
          probe.last().isEmpty()
              ? ""
              : streak + (probe.riseFall().lastHealthy() ? " ok" : " failed");
      out.append("<tr><td>")
          .append(escape(probe.spec().name()))
          .append("</td><td>")
          .append(probe.spec().target().kind())
          .append("</td><td>")
          .append(probe.spec().critical() ? "yes" : "no")
          .append("</td><td class=\"")
          .append(health)
          .append("\">")
          .append(health)
          .append("</td><td>")
          .append(escape(last))
          .append("</td><td>")
          .append(latency)
          .append("</td><td>")
          .append(streakText)
          .append("</td></tr>\n");
    }
    out.append("</table>\n<h2>VRRP (keepalived's notify FIFO)</h2>\n");
    keepalived
        .watch()
        .ifPresent(
            w ->
                out.append("<p>keepalived: ")
                    .append(w.up() ? "running" : "<b>not running</b>")
                    .append(" (")
                    .append(escape(w.detail()))
                    .append(")")
                    .append(
                        w.strandedVips().isEmpty()
                            ? ""
                            : "; <b>still holding "
                                + escape(String.join(", ", w.strandedVips()))
                                + "</b>")
                    .append("</p>\n"));
    Map<String, VrrpRoles.Role> vrrp = keepalived.roles();
    if (vrrp.isEmpty()) {
      out.append(
          "<p>nothing reported (keepalived.notify-fifo not set, or keepalived silent)</p>\n");
    } else {
      out.append(
          "<table><tr><th>instance</th><th>state</th><th>priority</th><th>since</th></tr>\n");
      vrrp.forEach(
          (name, role) ->
              out.append("<tr><td>")
                  .append(escape(name))
                  .append("</td><td class=\"")
                  .append(role.state().equals("MASTER") ? "UP" : "STARTING")
                  .append("\">")
                  .append(escape(role.state()))
                  .append("</td><td>")
                  .append(role.priority())
                  .append("</td><td>")
                  .append(role.since())
                  .append("</td></tr>\n"));
      out.append("</table>\n");
    }
    out.append("<h2>Recent actions</h2>\n");
    if (actions.isEmpty()) {
      out.append("<p>none</p>\n");
    } else {
      out.append("<table><tr><th>at</th><th>action</th><th>outcome</th></tr>\n");
      for (int i = actions.size() - 1; i >= 0; i--) {
        ActionRecord a = actions.get(i);
        out.append("<tr><td>")
            .append(a.at())
            .append("</td><td>")
            .append(escape(a.action()))
            .append("</td><td>")
            .append(escape(a.outcome()))
            .append("</td></tr>\n");
      }
      out.append("</table>\n");
    }
    out.append("<p><a href=\"/check\">/check</a> &middot; <a href=\"/status\">/status</a></p>\n")
        .append("</body></html>\n");
    return out.toString();
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
