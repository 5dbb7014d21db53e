package io.keepwatch.agent.keepalived;

import io.keepwatch.agent.supervisor.ActionJournal;
import io.keepwatch.agent.supervisor.CommandRunner;
import io.keepwatch.probes.process.PidFile;
import io.keepwatch.probes.process.ProcFs;
import io.keepwatch.probes.process.ProcStat;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Watches keepalived itself: a node that holds a VIP without a running keepalived is a split brain
 * in the making (the VIP stays on the interface while the peer takes it too, and nothing will give
 * it up). Checked every half second through keepalived's pidfile and /proc, so a keepalived that
 * dies is noticed within a second; said in the log (a warning; an error when a VIP stays here),
 * /status and keepwatch_keepalived_up, and the operator's gone-commands run once.
 *
 * <p>Threads: {@link #check()} on one thread (the agent's metrics thread); {@link #state()} from
 * any.
 */
public final class KeepalivedWatch {

  /**
   * What the watch saw last.
   *
   * @param up whether keepalived runs
   * @param detail one line: its pid, or why it is not running
   * @param since when it last came up or went away
   * @param strandedVips VIPs (or, without a VIP list, instances keepalived last called MASTER)
   *     still held here while keepalived is not running; empty while it runs
   */
  public record State(boolean up, String detail, Instant since, List<String> strandedVips) {}

  private static final Logger LOG = Logger.getLogger("keepwatch");

  private final java.nio.file.Path pidfile;
  private final List<InetAddress> vips;
  private final List<List<String>> goneCommands;
  private final Supplier<Map<String, VrrpRoles.Role>> roles;
  private final ActionJournal journal;
  private final CommandRunner runner;
  private final ProcFs proc;
  private final Clock clock;
  private volatile State state;
  private boolean commandsRan; // this episode; check() thread only

  /**
   * @param vips the VIPs to look for on this host's interfaces; empty to judge by the roles
   * @param goneCommands argv lists run once per episode of a VIP held without keepalived
   * @param roles the roles keepalived last reported through the notify FIFO
   */
  public KeepalivedWatch(
      java.nio.file.Path pidfile,
      List<InetAddress> vips,
      List<List<String>> goneCommands,
      Supplier<Map<String, VrrpRoles.Role>> roles,
      ActionJournal journal,
      CommandRunner runner,
      ProcFs proc,
      Clock clock) {
    this.pidfile = pidfile;
    this.vips = List.copyOf(vips);
    this.goneCommands = goneCommands;
    this.roles = roles;
    this.journal = journal;
    this.runner = runner;
    this.proc = proc;
    this.clock = clock;
    this.state = new State(true, "not checked yet", clock.instant(), List.of());
  }

  public State state() {
    return state;
  }

  /** Looks once; says what changed. */
  public void check() {
    Optional<String> gone = whyNotRunning();
    State before = state;
    Instant since = gone.isPresent() == !before.up() ? before.since() : clock.instant();
    if (gone.isEmpty()) {
      state = new State(true, "running, pid " + PidFile.pid(pidfile).orElse(-1), since, List.of());
      if (!before.up()) {
        LOG.info("keepalived: running again (pid " + PidFile.pid(pidfile).orElse(-1) + ")");
      }
      commandsRan = false;
      return;
    }
    List<String> stranded = strandedVips();
    state = new State(false, gone.get(), since, stranded);
    if (before.up() || before.detail().equals("not checked yet")) {
      LOG.warning("keepalived: not running: " + gone.get() + " (the VIP cannot move from here)");
    }
    if (!stranded.isEmpty() && !stranded.equals(before.strandedVips())) {
      LOG.severe(
          "keepalived is not running, but this node still holds "
              + String.join(", ", stranded)
              + ": the peer may take it too (a split brain); restart keepalived, or remove the"
              + " address"
              + (goneCommands.isEmpty() ? "" : "; running keepalived.gone-commands"));
    }
    if (!stranded.isEmpty() && !commandsRan) {
      commandsRan = true;
      for (List<String> command : goneCommands) {
        journal.command("keepalived-gone", runner.run(command));
      }
    }
  }

  private Optional<String> whyNotRunning() {
    PidFile.Reading reading = PidFile.read(pidfile);
    if (reading instanceof PidFile.Missing) {
      return Optional.of(reading.describe() + " (keepalived not running)");
    }
    if (!(reading instanceof PidFile.Pid named)) {
      return Optional.of(reading.describe());
    }
    Optional<ProcStat> stat;
    try {
      stat = proc.stat(named.pid());
    } catch (IOException | RuntimeException e) {
      return Optional.of("cannot read /proc/" + named.pid() + "/stat: " + e.getMessage());
    }
    if (stat.isEmpty()) {
      return Optional.of("stale pidfile " + pidfile + ": no process " + named.pid());
    }
    if (!stat.get().comm().equals("keepalived")) {
      return Optional.of(
          "stale pidfile " + pidfile + ": pid " + named.pid() + " is '" + stat.get().comm() + "'");
    }
    if (!stat.get().live()) {
      return Optional.of("keepalived " + named.pid() + " is " + stat.get().stateName());
    }
    return Optional.empty();
  }

  /** The VIPs still on an interface here, or the instances keepalived last called MASTER. */
  private List<String> strandedVips() {
    List<String> held = new ArrayList<>();
    if (vips.isEmpty()) {
      roles
          .get()
          .forEach(
              (name, role) -> {
                if (role.type().equals("INSTANCE") && role.state().equals("MASTER")) {
                  held.add(name + " (last reported MASTER)");
                }
              });
      return held;
    }
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          if (vips.contains(address)) {
            held.add(address.getHostAddress() + " on " + nic.getName());
          }
        }
      }
    } catch (SocketException e) {
      held.add("unknown (cannot list the interfaces: " + e.getMessage() + ")");
    }
    return held;
  }
}
