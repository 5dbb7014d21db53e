package io.keepwatch.agent.probing;

import io.keepwatch.agent.config.ConfigError;
import io.keepwatch.agent.config.Fields;
import io.keepwatch.agent.config.ProbeSpec;
import io.keepwatch.probes.Probe;
import io.keepwatch.probes.process.ProcFs;
import io.keepwatch.probes.process.ProcessProbe;
import java.nio.file.Path;

/** {@code kind = process}: the nginx master in the pidfile is alive and has workers. */
public final class ProcessKind implements ProbeKind {

  /**
   * A process probe's target.
   *
   * @param pidfile nginx's pidfile
   * @param processName the master's comm
   * @param minWorkers live workers needed
   */
  public record Target(Path pidfile, String processName, int minWorkers)
      implements ProbeSpec.Target {
    @Override
    public String kind() {
      return "process";
    }

    @Override
    public java.util.Optional<Path> masterPidfile() {
      return java.util.Optional.of(pidfile);
    }
  }

  @Override
  public String name() {
    return "process";
  }

  @Override
  public ProbeSpec.Target readTarget(Fields f) throws ConfigError {
    String processName = f.string("process-name");
    if (processName.isBlank()) {
      throw f.error("process-name", "must not be empty");
    }
    return new Target(f.absolutePath("pidfile"), processName, f.integer("min-workers", 0, 4096));
  }

  @Override
  public Probe build(ProbeSpec spec, ProbeContext context) {
    Target t = (Target) spec.target();
    return new ProcessProbe(
        t.pidfile(),
        t.processName(),
        t.minWorkers(),
        new ProcFs(),
        context.blockingExecutorFor().apply(spec.name()));
  }
}
