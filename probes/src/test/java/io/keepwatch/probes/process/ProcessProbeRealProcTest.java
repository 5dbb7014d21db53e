package io.keepwatch.probes.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keepwatch.probes.ProbeResult.Outcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real /proc: our own JVM is a live process whose comm is not nginx. */
class ProcessProbeRealProcTest {

  @Test
  void ownPidIsNotNginx(@TempDir Path dir) throws IOException {
    Path pidfile = dir.resolve("nginx.pid");
    long self = ProcessHandle.current().pid();
    Files.writeString(pidfile, self + "\n");
    var result = new ProcessProbe(pidfile, "nginx", 1, new ProcFs(), Runnable::run).inspect();
    assertEquals(Outcome.GONE, result.outcome(), "a pid that is not nginx's: nginx is not running");
    assertEquals(
        true,
        result.detail().startsWith("stale pidfile " + pidfile + ": pid " + self + " is '"),
        result.detail());
  }
}
