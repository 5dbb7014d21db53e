package io.keepwatch.agent.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The process and JVM meters, under the standard Prometheus process metric names, read from
 * /proc/self and {@link Runtime}. Micrometer's own JVM and process binders go through JMX, whose
 * machinery alone costs about 6 MiB of resident memory: a third of what keepwatch may spend. Values
 * are read when /metrics is rendered (at most once a second while scraped).
 */
final class ProcessMeters {

  /** USER_HZ: the unit of utime and stime in /proc/PID/stat (proc(5)); 100 on Linux. */
  private static final double CLOCK_TICKS_PER_SECOND = 100.0;

  private final Path proc;

  ProcessMeters(Path procSelf) {
    this.proc = procSelf;
  }

  void bindTo(MeterRegistry registry) {
    Gauge.builder("process.resident.memory", this, p -> p.statusKib("VmRSS:") * 1024)
        .baseUnit("bytes")
        .description("Resident memory of the agent")
        .strongReference(true)
        .register(registry);
    Gauge.builder("process.virtual.memory", this, p -> p.statusKib("VmSize:") * 1024)
        .baseUnit("bytes")
        .description("Virtual memory of the agent")
        .strongReference(true)
        .register(registry);
    Gauge.builder("process.threads", this, p -> p.statusKib("Threads:"))
        .description("Threads of the agent")
        .strongReference(true)
        .register(registry);
    FunctionCounter.builder("process.cpu", this, ProcessMeters::cpuSeconds)
        .baseUnit("seconds")
        .description("User and system CPU time the agent used")
        .register(registry);
    Gauge.builder("process.open.fds", this, ProcessMeters::openFds)
        .description("Open file descriptors of the agent")
        .strongReference(true)
        .register(registry);
    double started =
        ProcessHandle.current()
            .info()
            .startInstant()
            .map(i -> i.toEpochMilli() / 1000.0)
            .orElse(Double.NaN);
    Gauge.builder("process.start.time", () -> started)
        .baseUnit("seconds")
        .description("When the agent started, seconds since the epoch")
        .strongReference(true)
        .register(registry);
    Runtime runtime = Runtime.getRuntime();
    Gauge.builder("jvm.memory.used", runtime, r -> r.totalMemory() - r.freeMemory())
        .baseUnit("bytes")
        .tag("area", "heap")
        .description("Java heap in use")
        .strongReference(true)
        .register(registry);
    Gauge.builder("jvm.memory.committed", runtime, Runtime::totalMemory)
        .baseUnit("bytes")
        .tag("area", "heap")
        .description("Java heap committed")
        .strongReference(true)
        .register(registry);
    Gauge.builder("jvm.memory.max", runtime, Runtime::maxMemory)
        .baseUnit("bytes")
        .tag("area", "heap")
        .description("Java heap limit (-Xmx)")
        .strongReference(true)
        .register(registry);
  }

  /** A "Name: value kB" (or plain number) field of /proc/self/status; NaN if unreadable. */
  double statusKib(String field) {
    try (Stream<String> lines = Files.lines(proc.resolve("status"), StandardCharsets.US_ASCII)) {
      return lines
          .filter(l -> l.startsWith(field))
          .mapToDouble(
              l -> Double.parseDouble(l.substring(field.length()).trim().split("\\s+", -1)[0]))
          .findFirst()
          .orElse(Double.NaN);
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** utime + stime (fields 14 and 15 of /proc/self/stat) in seconds; NaN if unreadable. */
  double cpuSeconds() {
    try {
      String stat = Files.readString(proc.resolve("stat"), StandardCharsets.US_ASCII);
      String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
      // after[0] is field 3 (state): utime is field 14, stime field 15.
      return (Long.parseLong(after[11]) + Long.parseLong(after[12])) / CLOCK_TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  double openFds() {
    try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
      return fds.count();
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }
}
