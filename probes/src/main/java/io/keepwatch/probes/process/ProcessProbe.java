package io.keepwatch.probes.process;

import io.keepwatch.probes.Probe;
import io.keepwatch.probes.ProbeResult;
import io.keepwatch.probes.ProbeResult.Outcome;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Healthy when the pid in the pidfile is a live process named nginx (not a zombie, not stopped)
 * with at least {@code minWorkers} live worker children. This is what {@code ps -C nginx} tries to
 * say, without its blind spots: a stale pidfile, a SIGSTOPped master, a master without workers, or
 * an unrelated process that reused the pid.
 */
public final class ProcessProbe implements Probe {

  /** nginx sets every worker's title to this (src/os/unix/ngx_process_cycle.c). */
  private static final String WORKER_TITLE = "nginx: worker process";

  /** The suffix an old worker carries while it drains after a reload. */
  private static final String SHUTTING_DOWN = "is shutting down";

  private final Path pidfile;
  private final String processName;
  private final int minWorkers;
  private final ProcFs proc;
  private final Executor blockingExecutor;

  /**
   * @param pidfile nginx's pidfile
   * @param processName the master's comm, "nginx" unless the binary was renamed
   * @param minWorkers how many live workers make nginx healthy; 0 checks the master only
   * @param proc the /proc reader
   * @param blockingExecutor where the (short, blocking) file reads run
   */
  public ProcessProbe(
      Path pidfile, String processName, int minWorkers, ProcFs proc, Executor blockingExecutor) {
    this.pidfile = Objects.requireNonNull(pidfile, "pidfile");
    this.processName = Objects.requireNonNull(processName, "processName");
    this.minWorkers = minWorkers;
    this.proc = Objects.requireNonNull(proc, "proc");
    this.blockingExecutor = Objects.requireNonNull(blockingExecutor, "blockingExecutor");
    if (minWorkers < 0) {
      throw new IllegalArgumentException("minWorkers must be >= 0, got " + minWorkers);
    }
  }

  @Override
  public String kind() {
    return "process";
  }

  @Override
  public CompletableFuture<ProbeResult> check() {
    return CompletableFuture.supplyAsync(this::inspect, blockingExecutor);
  }

  /** The whole check, synchronously. Package-private so tests can call it with canned /proc. */
  ProbeResult inspect() {
    try {
      return inspectOrThrow();
    } catch (IOException e) {
      return ProbeResult.failed(Outcome.ERROR, "cannot read the process table: " + e);
    }
  }

  private ProbeResult inspectOrThrow() throws IOException {
    PidFile.Reading reading = PidFile.read(pidfile);
    if (reading instanceof PidFile.Missing) {
      Path oldbin = Path.of(pidfile + ".oldbin");
      Optional<Integer> upgrading = liveMasterNamedIn(oldbin);
      if (upgrading.isPresent()) {
        // nginx's binary upgrade (SIGUSR2) renames the pidfile to .oldbin before the new master
        // writes its own: the old master still serves, and a restart would kill the upgrade.
        ProbeResult old = judgeWorkers(upgrading.get());
        return old.outcome() == Outcome.OK
            ? ProbeResult.ok("binary upgrade under way (pidfile " + oldbin + "): " + old.detail())
            : old;
      }
      return gone(reading.describe() + " (nginx not running)");
    }
    if (!(reading instanceof PidFile.Pid named)) {
      return process(reading.describe());
    }
    int pid = named.pid();

    Optional<ProcStat> found = proc.stat(pid);
    if (found.isEmpty()) {
      return gone("stale pidfile " + pidfile + ": no process " + pid);
    }
    ProcStat master = found.get();
    if (!master.comm().equals(processName)) {
      return gone(
          "stale pidfile "
              + pidfile
              + ": pid "
              + pid
              + " is '"
              + master.comm()
              + "', not "
              + processName);
    }
    if (master.state() == 'Z' || master.state() == 'X') {
      return gone("nginx master " + pid + " is " + master.stateName());
    }
    if (!master.live()) {
      return process("nginx master " + pid + " is " + master.stateName());
    }
    return judgeWorkers(pid);
  }

  private Optional<Integer> liveMasterNamedIn(Path file) throws IOException {
    if (!(PidFile.read(file) instanceof PidFile.Pid named)) {
      return Optional.empty();
    }
    return proc.stat(named.pid())
        .filter(stat -> stat.comm().equals(processName) && stat.live())
        .map(stat -> named.pid());
  }

  private ProbeResult judgeWorkers(int masterPid) throws IOException {
    List<Integer> children = proc.children(masterPid);
    int live = 0;
    int notLive = 0;
    String notLiveState = "";
    for (int child : children) {
      Optional<String> title = proc.cmdline(child);
      if (title.isEmpty()
          || !title.get().startsWith(WORKER_TITLE)
          || title.get().endsWith(SHUTTING_DOWN)) {
        continue; // cache manager/loader, a draining old worker, or gone since the listing
      }
      Optional<ProcStat> stat = proc.stat(child);
      if (stat.isEmpty()) {
        continue;
      }
      if (stat.get().live()) {
        live++;
      } else {
        notLive++;
        notLiveState = stat.get().stateName();
      }
    }
    if (live < minWorkers) {
      String why = notLive == 0 ? "" : " (" + notLive + " " + notLiveState + ")";
      return process(
          "nginx master "
              + masterPid
              + " has "
              + live
              + " live workers, needs "
              + minWorkers
              + why);
    }
    return ProbeResult.ok("master " + masterPid + ", " + live + " live workers");
  }

  private static ProbeResult process(String detail) {
    return ProbeResult.failed(Outcome.PROCESS, detail);
  }

  private static ProbeResult gone(String detail) {
    return ProbeResult.failed(Outcome.GONE, detail);
  }
}
