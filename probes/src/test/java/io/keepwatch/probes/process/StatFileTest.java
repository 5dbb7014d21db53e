package io.keepwatch.probes.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Against the real /proc: a child process that runs, stops, and exits. */
class StatFileTest {

  static final Path PROC = Path.of("/proc");

  static char awaitState(StatFile stat, char wanted) throws InterruptedException {
    char seen = stat.state();
    for (int i = 0; i < 200 && seen != wanted; i++) {
      Thread.sleep(10);
      seen = stat.state();
    }
    return seen;
  }

  @Test
  void followsAProcessUntilItIsGone() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "60").start();
    int pid = (int) sleeper.pid();
    try (StatFile stat = StatFile.open(PROC, pid).orElseThrow()) {
      assertEquals('S', awaitState(stat, 'S'));
      new ProcessBuilder("kill", "-STOP", Integer.toString(pid)).start().waitFor();
      assertEquals('T', awaitState(stat, 'T'));
      sleeper.destroyForcibly();
      assertTrue(sleeper.waitFor(10, TimeUnit.SECONDS)); // reaped: the pid is free again
      assertEquals(StatFile.GONE, stat.state());
    } finally {
      sleeper.destroyForcibly();
    }
  }

  @Test
  void noSuchProcess() {
    assertTrue(StatFile.open(PROC, Integer.MAX_VALUE).isEmpty());
  }
}
