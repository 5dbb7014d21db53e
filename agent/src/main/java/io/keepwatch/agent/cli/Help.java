package io.keepwatch.agent.cli;

import java.util.List;
import java.util.Optional;

/**
 * What {@code keepwatch --help} and {@code keepwatch COMMAND --help} print: per command its
 * synopsis, one sentence, and one line per option.
 */
final class Help {

  /** One command's help. */
  record Command(String name, String synopsis, String summary, List<String> options) {
    String text() {
      StringBuilder out =
          new StringBuilder("usage: ").append(synopsis).append("\n\n").append(summary).append('\n');
      if (!options.isEmpty()) {
        out.append("\noptions:\n");
        options.forEach(o -> out.append("  ").append(o).append('\n'));
      }
      return out.toString();
    }
  }

  private static final String CONFIG_OPTION =
      "--config FILE   the agent's configuration (default /etc/keepwatch/keepwatch.conf if it"
          + " exists, else the built-in defaults)";
  private static final String HELP_OPTION = "--help          print this help and exit";

  static final List<Command> COMMANDS =
      List.of(
          new Command(
              "run",
              "keepwatch run [--config FILE]",
              "Runs the agent in the foreground: probes nginx, answers keepalived, serves the"
                  + " endpoints, logs one line per event on stdout. SIGTERM stops it, SIGHUP"
                  + " reloads the file.\nExit: 0 stopped, 64 usage, 69 address or socket in use,"
                  + " 73 cannot create a file, 77 permission denied, 78 configuration error.",
              List.of(CONFIG_OPTION, HELP_OPTION)),
          new Command(
              "status",
              "keepwatch status [--json] [--config FILE]",
              "Asks the running agent (on http.listen) for its verdict, probes, VRRP roles and"
                  + " recent actions.\nExit: 0 UP, 1 not UP, 3 the agent cannot be reached.",
              List.of(
                  "--json          print the agent's /status document as it is",
                  CONFIG_OPTION,
                  HELP_OPTION)),
          new Command(
              "maintenance",
              "keepwatch maintenance on [--reason TEXT] [--config FILE]\n"
                  + "       keepwatch maintenance off [--config FILE]",
              "Drains the node (on: /check answers 503, keepalived moves the VIP away, no restart"
                  + " is tried) or ends the drain (off). Kept across agent restarts. Uses the"
                  + " control socket.\nExit: 0 done, 1 refused, 3 the control socket cannot be"
                  + " reached.",
              List.of(
                  "--reason TEXT   why, shown in /check, /status and the log (with 'on')",
                  CONFIG_OPTION,
                  HELP_OPTION)),
          new Command(
              "reset",
              "keepwatch reset [--config FILE]",
              "Leaves ESCALATED and clears the restart budget (needed when"
                  + " escalation.sticky = true). Uses the control socket.\nExit: 0 done, 1"
                  + " refused, 3 the control socket cannot be reached.",
              List.of(CONFIG_OPTION, HELP_OPTION)),
          new Command(
              "reload",
              "keepwatch reload [--config FILE]",
              "Has the running agent read its configuration file again (what systemctl reload"
                  + " keepwatch runs) and waits for the outcome: a file that does not load, or"
                  + " that changes what only a restart can change, is refused and the running"
                  + " configuration stays. Uses the control socket.\nExit: 0 applied, 1 refused"
                  + " (the reason on stderr), 3 the control socket cannot be reached.",
              List.of(CONFIG_OPTION, HELP_OPTION)),
          new Command(
              "config",
              "keepwatch config check [FILE]",
              "Checks a configuration file (default /etc/keepwatch/keepwatch.conf, else the"
                  + " built-in defaults) and prints the effective configuration; reports every"
                  + " mistake it finds with its file:line.\nExit: 0 valid, 78 not valid.",
              List.of(
                  "FILE            the file to check (also its network.web-config)", HELP_OPTION)),
          new Command(
              "version",
              "keepwatch version | keepwatch --version",
              "Prints keepwatch's version.",
              List.of(HELP_OPTION)));

  private Help() {}

  static Optional<Command> of(String name) {
    return COMMANDS.stream().filter(c -> c.name().equals(name)).findFirst();
  }

  /** The overview: one line per command. */
  static String overview() {
    return """
        usage: keepwatch COMMAND [OPTIONS]

        commands:
          run [--config FILE]                       run the agent in the foreground (logs on stdout)
          status [--json] [--config FILE]           ask the running agent; exit 0 UP, 1 not UP, 3 unreachable
          maintenance on [--reason TEXT] | off      drain or undrain the node (control socket)
          reset [--config FILE]                     leave ESCALATED, clear the restart budget (control socket)
          config check [FILE]                       check a configuration, print the effective one
          version                                   print the version (also: keepwatch --version)

        'keepwatch COMMAND --help' describes a command and each of its options.
        Documentation: /usr/share/doc/keepwatch/README.md
        """;
  }
}
