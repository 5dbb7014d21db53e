package io.keepwatch.agent.cli;

import io.keepwatch.agent.Agent;
import io.keepwatch.agent.ConfigReloads;
import io.keepwatch.agent.config.AgentConfig;
import io.keepwatch.agent.config.ConfigError;
import io.keepwatch.agent.config.ConfigLoader;
import io.keepwatch.agent.endpoints.AgentInfo;
import io.keepwatch.agent.endpoints.StartFailure;
import io.keepwatch.agent.log.LogSetup;
import io.keepwatch.agent.log.Priority;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The command line. Every command returns an exit code; only {@code Main} exits. This is the one
 * place that prints configuration errors and the fatal errors of {@code run}: one line each on
 * stderr, naming what and where, with a {@code <3>} prefix when stderr is the journal so that
 * {@code journalctl -p err} shows why the agent did not start.
 */
public final class Cli {

  private static final Logger LOG = Logger.getLogger("keepwatch");

  private final PrintStream out;
  private final PrintStream err;
  private final boolean outIsJournal;
  private final boolean errIsJournal;

  public Cli(PrintStream out, PrintStream err) {
    this(out, err, false, false);
  }

  /**
   * @param outIsJournal whether stdout is the journal: log lines then carry priorities
   * @param errIsJournal whether stderr is the journal: fatal errors then carry {@code <3>}
   */
  public Cli(PrintStream out, PrintStream err, boolean outIsJournal, boolean errIsJournal) {
    this.out = out;
    this.err = err;
    this.outIsJournal = outIsJournal;
    this.errIsJournal = errIsJournal;
  }

  public int run(String... args) {
    Deque<String> words = new ArrayDeque<>(Arrays.asList(args));
    String command = words.isEmpty() ? "" : words.pop();
    if (words.contains("--help") || words.contains("-h")) {
      return help(command);
    }
    try {
      return switch (command) {
        case "run" -> runAgent(option(words, "--config"), words);
        case "status" -> {
          boolean json = flag(words, "--json");
          String config = option(words, "--config");
          noMore(words);
          yield StatusCommand.run(load(config).config().httpListen(), json, out, err);
        }
        case "maintenance" -> {
          String state = words.poll();
          if (!"on".equals(state) && !"off".equals(state)) {
            yield usage("maintenance needs 'on' or 'off'");
          }
          String reason = option(words, "--reason");
          String config = option(words, "--config");
          noMore(words);
          if (reason != null && state.equals("off")) {
            yield usage("--reason goes with 'maintenance on'");
          }
          String form = "state=" + state + (reason == null ? "" : "&reason=" + urlEncode(reason));
          yield control(load(config), "/maintenance", form, ControlClient.TIMEOUT);
        }
        case "reset" -> {
          String config = option(words, "--config");
          noMore(words);
          yield control(load(config), "/reset", "", ControlClient.TIMEOUT);
        }
        case "reload" -> {
          String config = option(words, "--config");
          noMore(words);
          yield reload(config);
        }
        case "config" -> {
          if (!"check".equals(words.poll())) {
            yield usage("config needs a subcommand: config check [FILE]");
          }
          String file = words.poll();
          noMore(words);
          yield configCheck(file);
        }
        case "version", "--version" -> {
          noMore(words);
          out.println("keepwatch " + version());
          yield ExitCodes.OK;
        }
        case "help", "--help", "-h" -> {
          String topic = words.poll();
          if (topic != null) {
            yield help(topic);
          }
          out.print(Help.overview());
          yield ExitCodes.OK;
        }
        default ->
            usage(command.isEmpty() ? "no command given" : "unknown command '" + command + "'");
      };
    } catch (UsageError e) {
      return usage(e.getMessage());
    } catch (ConfigError e) {
      for (ConfigError one : e.all()) {
        fatal("config error: " + one.getMessage());
      }
      if (e.all().size() > 1) {
        fatal(e.all().size() + " configuration errors");
      }
      return ExitCodes.CONFIG;
    }
  }

  /** One command's help on stdout; usage (64) if there is no such command. */
  private int help(String command) {
    Optional<Help.Command> help = Help.of(command);
    if (help.isEmpty()) {
      return usage("unknown command '" + command + "'");
    }
    out.print(help.get().text());
    return ExitCodes.OK;
  }

  /** One line on stderr; at priority err when stderr is the journal. */
  private void fatal(String line) {
    err.println((errIsJournal ? "<3>" : "") + "keepwatch: " + line);
  }

  /**
   * POSTs to the control socket; exit 0 when the agent did it, 1 when it refused, 3 unreachable.
   */
  private int control(ConfigLoader.Loaded config, String path, String form, Duration timeout) {
    Path socket = config.config().controlSocket();
    ControlClient.Reply reply;
    try {
      reply = ControlClient.post(socket, path, form, timeout);
    } catch (IOException e) {
      String why = Failures.describe(e);
      String hint =
          why.toLowerCase(java.util.Locale.ROOT).contains("permission denied")
                  || why.contains("Access denied")
              ? " (the socket is mode 0660: run as the agent's user, root, or a member of control.group)"
              : "";
      err.println(
          "keepwatch: cannot reach the agent's control socket " + socket + ": " + why + hint);
      return ExitCodes.NOT_RUNNING;
    }
    if (reply.status() == 200) {
      out.print(reply.body());
      return ExitCodes.OK;
    }
    err.print("keepwatch: the agent refused (HTTP " + reply.status() + "): " + reply.body());
    return ExitCodes.NOT_UP;
  }

  /**
   * Asks the running agent to read its configuration file again and waits for the outcome: exit 0
   * applied, 1 refused (the reason on stderr), 3 unreachable. The file named here is read only to
   * find the control socket; a file that does not load is refused right here, and the agent, which
   * would refuse it too, keeps its configuration.
   */
  private int reload(String configFile) {
    ConfigLoader.Loaded config;
    try {
      config = load(configFile);
    } catch (ConfigError e) {
      err.println(
          "keepwatch: reload refused: config error: "
              + e.getMessage()
              + "; the agent keeps its running configuration");
      return ExitCodes.REFUSED;
    }
    return control(config, "/reload", "", RELOAD_WAIT);
  }

  /** Above the agent's own bound on a reload's answer (EndpointHandler: 60 s). */
  private static final Duration RELOAD_WAIT = Duration.ofSeconds(70);

  private static String urlEncode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  private int configCheck(String file) throws ConfigError {
    ConfigLoader.Loaded loaded = load(file);
    out.print(loaded.render());
    out.println("# " + loaded.config().source() + " is valid: " + describeProbes(loaded.config()));
    return ExitCodes.OK;
  }

  private int runAgent(String configFile, Deque<String> rest) throws ConfigError, UsageError {
    noMore(rest);
    ConfigLoader.Loaded loaded = load(configFile);
    AgentConfig config = loaded.config();
    LogSetup.toStdout(out, outIsJournal);
    Agent.ConfigSource source = () -> load(configFile).config();
    LOG.info(
        "keepwatch "
            + version()
            + " starting: config "
            + config.source()
            + ", "
            + describeProbes(config));
    AgentInfo info = new AgentInfo(version(), hostname(), Instant.now());
    // SIGHUP and POST /reload on the control socket both reload through here. The handler is
    // installed before the agent starts: from then on SIGHUP never takes the JVM's default action
    // (exit), even when it comes while the agent is still starting.
    ConfigReloads reloads = new ConfigReloads(source);
    ReloadSignal.install(
        () -> {
          var unused = reloads.reload();
        });
    Agent agent;
    try {
      agent = Agent.start(config, info, reloads);
    } catch (StartFailure e) {
      reloads.close();
      fatal(e.subject() + " (" + e.key() + ", " + loaded.where(e.key()) + "): " + e.why());
      return ExitCodes.of(e.kind());
    } catch (IOException | RuntimeException e) {
      reloads.close();
      fatal("cannot start: " + Failures.describe(e));
      return ExitCodes.FAILED;
    }
    reloads.attach(agent);
    String base = "http://" + config.httpListen().getHostString() + ":" + agent.http().port();
    LOG.info("listening on " + base + " (/check, /metrics, /status, /)");
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  LOG.log(Priority.NOTICE, "stopping on signal");
                  reloads.close();
                  agent.close();
                  stopped.countDown();
                },
                "keepwatch-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return ExitCodes.OK;
  }

  /** The default file if present, else the built-in defaults. */
  private ConfigLoader.Loaded loadDefault() throws ConfigError {
    if (Files.exists(ConfigLoader.DEFAULT_FILE)) {
      return ConfigLoader.load(ConfigLoader.DEFAULT_FILE);
    }
    return ConfigLoader.defaults();
  }

  /** The file given with --config (or to config check), else the default file or the defaults. */
  private ConfigLoader.Loaded load(String file) throws ConfigError {
    return file == null ? loadDefault() : ConfigLoader.load(Path.of(file));
  }

  private static String describeProbes(AgentConfig config) {
    return config.probes().size()
        + " probes ("
        + config.probes().stream()
            .map(p -> p.name() + ":" + p.target().kind() + (p.critical() ? "" : ",reported-only"))
            .collect(Collectors.joining(" "))
        + ")";
  }

  static String version() {
    String v = Cli.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  private static String hostname() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.US_ASCII)
          .strip();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private int usage(String problem) {
    err.println("keepwatch: " + problem);
    err.print(Help.overview());
    return ExitCodes.USAGE;
  }

  private static String option(Deque<String> words, String name) throws UsageError {
    String value = null;
    for (var it = words.iterator(); it.hasNext(); ) {
      String word = it.next();
      if (word.equals(name)) {
        it.remove();
        if (!it.hasNext()) {
          throw new UsageError(name + " needs a value");
        }
        value = it.next();
        it.remove();
      } else if (word.startsWith(name + "=")) {
        it.remove();
        value = word.substring(name.length() + 1);
      }
    }
    return value;
  }

  private static boolean flag(Deque<String> words, String name) {
    return words.removeIf(name::equals);
  }

  private static void noMore(Deque<String> words) throws UsageError {
    if (!words.isEmpty()) {
      throw new UsageError("unexpected argument '" + words.peek() + "'");
    }
  }

  private static final class UsageError extends Exception {
    private static final long serialVersionUID = 1L;

    UsageError(String message) {
      super(message);
    }
  }
}
