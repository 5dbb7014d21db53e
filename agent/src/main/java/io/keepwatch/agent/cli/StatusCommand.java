package io.keepwatch.agent.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@code keepwatch status}: asks the running agent for /status and prints it for people. */
final class StatusCommand {

  private StatusCommand() {}

  /** Exit 0 when the agent says UP, 1 when it says anything else, 3 when it cannot be reached. */
  static int run(InetSocketAddress agent, boolean json, PrintStream out, PrintStream err) {
    String host =
        agent.getAddress().isAnyLocalAddress() ? "127.0.0.1" : agent.getAddress().getHostAddress();
    String hostPart = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    URI uri = URI.create("http://" + hostPart + ":" + agent.getPort() + "/status");
    String body;
    try {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(3)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        err.println("keepwatch status: " + uri + " answered HTTP " + response.statusCode());
        return ExitCodes.NOT_RUNNING;
      }
      body = response.body();
    } catch (IOException e) {
      err.println(
          "keepwatch status: cannot reach the agent at " + uri + ": " + Failures.describe(e));
      return ExitCodes.NOT_RUNNING;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ExitCodes.NOT_RUNNING;
    }
    Config status;
    try {
      status =
          ConfigFactory.parseString(
              body, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
    } catch (ConfigException e) {
      err.println("keepwatch status: " + uri + " did not answer JSON: " + Failures.describe(e));
      return ExitCodes.NOT_RUNNING;
    }
    if (json) {
      out.print(body);
    } else {
      print(status, out);
    }
    return "UP".equals(status.getString("state")) ? ExitCodes.OK : ExitCodes.NOT_UP;
  }

  private static void print(Config status, PrintStream out) {
    String reason = status.getString("reason");
    out.println(status.getString("state") + (reason.isEmpty() ? "" : " " + reason));
    out.println(
        "  since "
            + status.getString("since")
            + " on "
            + status.getString("node")
            + ", keepwatch "
            + status.getString("version"));
    out.println();
    String format = "  %-12s %-12s %-8s %-8s %-10s %-9s %s%n";
    out.printf(format, "PROBE", "KIND", "CRITICAL", "HEALTH", "IN A ROW", "LATENCY", "LAST RESULT");
    ConfigObject probes = status.getObject("probes");
    for (Map.Entry<String, ?> entry : new TreeMap<>(probes).entrySet()) {
      Config p = probes.toConfig().getConfig(ConfigUtil.quoteString(entry.getKey()));
      String streak = "";
      String latency = "";
      String last = "(no result yet)";
      if (p.hasPath("last")) {
        int ok = p.getInt("consecutive_successes");
        streak = ok > 0 ? ok + " ok" : p.getInt("consecutive_failures") + " failed";
        latency = String.format("%.1f ms", p.getDouble("last.latency_ms"));
        last = p.getString("last.detail");
      }
      out.printf(
          format,
          entry.getKey(),
          p.getString("kind"),
          p.getBoolean("critical") ? "yes" : "no",
          p.getString("health"),
          streak,
          latency,
          last);
    }
    if (status.hasPath("vrrp") && !status.getObject("vrrp").isEmpty()) {
      out.println();
      out.println("  VRRP");
      ConfigObject vrrp = status.getObject("vrrp");
      for (String name : new TreeMap<>(vrrp).keySet()) {
        Config role = vrrp.toConfig().getConfig(ConfigUtil.quoteString(name));
        boolean holdsVip = role.hasPath("holds_vip") && role.getBoolean("holds_vip");
        out.printf(
            "  %-16s %-8s priority %-4d since %s%s%n",
            name,
            role.getString("state"),
            role.getInt("priority"),
            role.getString("since"),
            holdsVip ? "  (holds the VIP)" : "");
      }
    }
    List<? extends Config> actions =
        status.hasPath("actions") ? status.getConfigList("actions") : List.of();
    if (!actions.isEmpty()) {
      out.println();
      out.println("  RECENT ACTIONS");
      for (Config action : actions.subList(Math.max(0, actions.size() - 8), actions.size())) {
        out.println(
            "  "
                + action.getString("at")
                + "  "
                + action.getString("action")
                + ": "
                + action.getString("outcome"));
      }
    }
  }
}
