package io.keepwatch.agent.endpoints;

import io.keepwatch.agent.keepalived.KeepalivedView;
import io.keepwatch.agent.keepalived.VrrpRoles;
import io.keepwatch.agent.supervisor.ActionRecord;
import io.keepwatch.agent.verdict.NodeState;
import io.keepwatch.agent.verdict.ProbeStatus;
import io.keepwatch.agent.verdict.Snapshot;
import io.keepwatch.probes.ProbeResult;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The / page: what a tired operator needs on one screen, a phone's included. A banner in the
 * state's own colour says the state and for how long, the reason, and the next step; then the
 * probes, keepalived's view (each VRRP instance's role and whether this node holds its VIP, as
 * keepalived reported it) and the recent actions; links to /metrics and /status. Every text that
 * comes from outside (reasons, probe details, names, command output, VRRP names) is escaped. No
 * script; it reloads itself every {@value #REFRESH_SECONDS} s.
 */
final class StatusPage {

  static final int REFRESH_SECONDS = 5;

  /** White text on each; every state its own hue, so a glance from across the room is enough. */
  private static final String STYLE =
      """
      *{box-sizing:border-box}
      body{font:16px/1.4 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#f6f7f9}
      main,.banner>div{max-width:60rem;margin:0 auto;padding:0 .75rem}
      main{padding-bottom:2rem}
      .banner{color:#fff;padding:1rem 0;margin:0 0 1rem}
      .banner h1{margin:0;font-size:1.6rem}
      .banner p{margin:.3rem 0 0;overflow-wrap:anywhere}
      .banner code{background:rgba(255,255,255,.2);padding:0 .25rem;border-radius:3px}
      .s-UP{background:#1b7a34}.s-DOWN{background:#c3161c}.s-ESCALATED{background:#6b0f8f}
      .s-RECOVERING{background:#c25e00}.s-MAINTENANCE{background:#1f5fbf}
      .s-STARTING{background:#56616e}.s-DEGRADED{background:#8a6d00}
      h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
      .scroll{overflow-x:auto}
      table{border-collapse:collapse;width:100%;background:#fff}
      td,th{border:1px solid #d5d9de;padding:.35rem .5rem;text-align:left;vertical-align:top}
      td.detail{overflow-wrap:anywhere;min-width:12rem}
      .ok{color:#1b7a34;font-weight:600}.bad{color:#c3161c;font-weight:600}.unknown{color:#56616e}
      .muted{color:#56616e;font-size:.9rem}
      nav a{margin-right:1rem}
      @media (max-width:40rem){
        table,tbody,tr,td{display:block;width:100%}
        tr.head{display:none}
        tr{border:1px solid #d5d9de;margin-bottom:.5rem;background:#fff}
        td{border:0;border-bottom:1px solid #eef0f2;padding:.25rem .5rem}
        td[data-label]::before{content:attr(data-label) ": ";color:#56616e;font-weight:400}
        td.detail{min-width:0}
        td.name{font-weight:600;background:#eef0f2}
      }
      """;

  private StatusPage() {}

  static String render(
      Snapshot snapshot,
      List<ActionRecord> actions,
      KeepalivedView keepalived,
      AgentInfo info,
      Instant now) {
    NodeState state = snapshot.verdict().state();
    String node = StatusDocuments.escape(info.node());
    StringBuilder out = new StringBuilder(4096);
    out.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<meta http-equiv=\"refresh\" content=\"")
        .append(REFRESH_SECONDS)
        .append("\">\n<title>")
        .append(state)
        .append(" · ")
        .append(node)
        .append(" · keepwatch</title>\n<style>")
        .append(STYLE)
        .append("</style></head><body>\n");
    banner(out, snapshot, state, node, now);
    out.append("<main>\n");
    probes(out, snapshot, now);
    keepalived(out, keepalived, now);
    actions(out, actions, now);
    out.append("<h2>More</h2>\n<nav><a href=\"/metrics\">/metrics</a>")
        .append("<a href=\"/status\">/status (JSON)</a><a href=\"/check\">/check</a></nav>\n")
        .append("<p class=\"muted\">keepwatch ")
        .append(StatusDocuments.escape(info.version()))
        .append(" on ")
        .append(node)
        .append(", running for ")
        .append(Ago.of(Duration.between(info.startedAt(), now)))
        .append("; this page reloads every ")
        .append(REFRESH_SECONDS)
        .append(" s.</p>\n</main></body></html>\n");
    return out.toString();
  }

  private static void banner(
      StringBuilder out, Snapshot snapshot, NodeState state, String node, Instant now) {
    Instant since = snapshot.verdict().since();
    out.append("<header class=\"banner s-")
        .append(state)
        .append("\" id=\"banner\"><div><h1>")
        .append(node)
        .append(": ")
        .append(state)
        .append(" for ")
        .append(Ago.of(Duration.between(since, now)))
        .append("</h1>\n");
    if (!snapshot.verdict().reason().isEmpty()) {
      out.append("<p>")
          .append(StatusDocuments.escape(snapshot.verdict().reason()))
          .append("</p>\n");
    }
    out.append("<p>")
        .append(nextStep(state, snapshot.holdsVip()))
        .append("</p>\n<p class=\"since\">since <time datetime=\"")
        .append(since)
        .append("\">")
        .append(
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
                .format(since.atOffset(java.time.ZoneOffset.UTC)))
        .append("</time></p></div></header>\n");
  }

  /** What to do now, per state (fixed text: nothing in it comes from outside). */
  static String nextStep(NodeState state, boolean holdVipInForce) {
    return switch (state) {
      case UP ->
          "Nothing to do: keepalived's check passes. To drain this node: <code>keepwatch"
              + " maintenance on --reason \"…\"</code>";
      case STARTING ->
          "The probes are completing their first rise or fall (a few seconds). If it stays, look"
              + " at the probes below.";
      case DEGRADED ->
          "nginx answers, but wrongly (below): a restart cannot help; keepalived gives the VIP to"
              + " a healthier peer if there is one. Check the content and the upstreams.";
      case DOWN ->
          "A critical probe failed (below): keepalived moves the VIP away. keepwatch restarts"
              + " nginx unless restart.enabled = false; check <code>systemctl status nginx</code>"
              + " and <code>journalctl -u nginx</code>.";
      case RECOVERING ->
          (holdVipInForce
                  ? "A restart of nginx is in flight and restart.hold-vip keeps the check passing"
                      + " for it. "
                  : "A restart of nginx is in flight. ")
              + "Wait for it; the recent actions below say how it went.";
      case ESCALATED ->
          "Restarting cannot help: fix the cause (the reason above, the actions below), then run"
              + " <code>keepwatch reset</code> (it also clears by itself once nginx is healthy,"
              + " unless escalation.sticky = true).";
      case MAINTENANCE ->
          "Drained by an operator: keepalived keeps the VIP away. End it with <code>keepwatch"
              + " maintenance off</code>.";
    };
  }

  private static void probes(StringBuilder out, Snapshot snapshot, Instant now) {
    out.append("<h2>Probes</h2>\n<div class=\"scroll\"><table>");
    head(out, "probe", "health", "last result", "latency", "in a row", "last run");
    for (ProbeStatus probe : snapshot.probes()) {
      String css =
          switch (probe.health()) {
            case UP -> "ok";
            case DOWN -> "bad";
            case UNKNOWN -> "unknown";
          };
      int streak =
          Math.max(probe.riseFall().consecutiveSuccesses(), probe.riseFall().consecutiveFailures());
      out.append("<tr>");
      cell(
          out,
          "",
          "name",
          StatusDocuments.escape(probe.spec().name())
              + " <span class=\"muted\">"
              + probe.spec().target().kind()
              + (probe.spec().critical() ? "" : ", reported only")
              + "</span>");
      cell(out, "health", css, probe.health().name());
      cell(
          out,
          "last result",
          "detail",
          StatusDocuments.escape(probe.last().map(ProbeResult::detail).orElse("(no result yet)")));
      cell(
          out,
          "latency",
          "",
          probe.last().map(r -> String.format("%.1f ms", r.latency().toNanos() / 1e6)).orElse(""));
      cell(
          out,
          "in a row",
          "",
          probe.last().isEmpty()
              ? ""
              : streak + (probe.riseFall().lastHealthy() ? " ok" : " failed"));
      cell(
          out,
          "last run",
          "",
          probe.lastAt().map(at -> Ago.of(Duration.between(at, now)) + " ago").orElse(""));
      out.append("</tr>\n");
    }
    out.append("</table></div>\n");
  }

  private static void keepalived(StringBuilder out, KeepalivedView keepalived, Instant now) {
    out.append("<h2>keepalived</h2>\n");
    keepalived
        .watch()
        .ifPresent(
            w -> {
              out.append("<p>keepalived is ")
                  .append(
                      w.up()
                          ? "<span class=\"ok\">running</span>"
                          : "<span class=\"bad\">not running</span>")
                  .append(" (")
                  .append(StatusDocuments.escape(w.detail()))
                  .append(", for ")
                  .append(Ago.of(Duration.between(w.since(), now)))
                  .append(")");
              if (!w.strandedVips().isEmpty()) {
                out.append("; <span class=\"bad\">this node still holds ")
                    .append(StatusDocuments.escape(String.join(", ", w.strandedVips())))
                    .append(" without it</span>");
              }
              out.append("</p>\n");
            });
    Map<String, VrrpRoles.Role> vrrp = keepalived.roles();
    if (vrrp.isEmpty()) {
      out.append(
          "<p class=\"muted\">No VRRP role reported. Set <code>vrrp_notify_fifo</code> in"
              + " keepalived's global_defs and keepwatch.keepalived.notify-fifo to the same path"
              + " to see each instance's role here.</p>\n");
      return;
    }
    out.append("<div class=\"scroll\"><table>");
    head(out, "instance", "role", "holds the VIP", "priority", "for");
    new java.util.TreeMap<>(vrrp)
        .forEach(
            (name, role) -> {
              boolean master = role.state().equals("MASTER");
              out.append("<tr>");
              cell(out, "", "name", StatusDocuments.escape(name));
              cell(
                  out,
                  "role",
                  master ? "ok" : role.state().equals("FAULT") ? "bad" : "unknown",
                  StatusDocuments.escape(role.state()));
              cell(
                  out,
                  "holds the VIP",
                  "",
                  role.type().equals("INSTANCE") ? (master ? "yes" : "no") : "");
              cell(out, "priority", "", Integer.toString(role.priority()));
              cell(out, "for", "", Ago.of(Duration.between(role.since(), now)));
              out.append("</tr>\n");
            });
    out.append("</table></div>\n<p class=\"muted\">As keepalived last reported it through its")
        .append(" notify FIFO: a MASTER holds the instance's virtual addresses.</p>\n");
  }

  private static void actions(StringBuilder out, List<ActionRecord> actions, Instant now) {
    out.append("<h2>Recent actions</h2>\n");
    if (actions.isEmpty()) {
      out.append("<p class=\"muted\">none since the agent started</p>\n");
      return;
    }
    out.append("<div class=\"scroll\"><table>");
    head(out, "when", "action", "outcome");
    for (int i = actions.size() - 1; i >= 0; i--) {
      ActionRecord a = actions.get(i);
      out.append("<tr>");
      cell(out, "", "name", Ago.of(Duration.between(a.at(), now)) + " ago");
      cell(out, "action", "", StatusDocuments.escape(a.action()));
      cell(out, "outcome", "detail", StatusDocuments.escape(a.outcome()));
      out.append("</tr>\n");
    }
    out.append("</table></div>\n");
  }

  /** A header row; on a narrow screen the rows become cards and each cell says its label. */
  private static void head(StringBuilder out, String... labels) {
    out.append("<tr class=\"head\">");
    for (String label : labels) {
      out.append("<th>").append(label).append("</th>");
    }
    out.append("</tr>\n");
  }

  /**
   * One cell; {@code html} is already escaped. A cell without a label is the card's title on a
   * narrow screen.
   */
  private static void cell(StringBuilder out, String label, String css, String html) {
    out.append("<td");
    if (!label.isEmpty()) {
      out.append(" data-label=\"").append(label).append('"');
    }
    if (!css.isEmpty()) {
      out.append(" class=\"").append(css).append('"');
    }
    out.append('>').append(html).append("</td>");
  }
}
