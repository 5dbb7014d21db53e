package io.keepwatch.agent.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Await;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Real commands, no shell in the command runner itself (the tests use sh to build cases). */
class CommandRunnerTest {

  private final CommandRunner runner = new CommandRunner(Duration.ofSeconds(2));

  @Test
  void exitCodeAndFirstLinesAreKept() {
    CommandResult r =
        runner.run(
            List.of(
                "sh",
                "-c",
                "echo one; echo two >&2; for i in 3 4 5 6 7; do echo $i; done; exit 3"));
    assertEquals(3, r.exitCode());
    assertFalse(r.succeeded());
    assertEquals(
        List.of("one", "two", "3", "4", "5"),
        r.firstLines(),
        "stdout and stderr together, first 5 lines");
    assertEquals("one", r.firstLine());
    assertTrue(r.summary().startsWith("sh -c "), r.summary());
    assertTrue(r.summary().contains(": exit 3 in "), r.summary());
  }

  @Test
  void argumentsAreNotInterpretedByAShell() {
    CommandResult r = runner.run(List.of("echo", "$HOME; rm -rf /", "`id`"));
    assertTrue(r.succeeded());
    assertEquals(List.of("$HOME; rm -rf / `id`"), r.firstLines());
  }

  @Test
  void aHungCommandAndItsChildrenAreKilledAtTheTimeout() throws Exception {
    CommandRunner quick = new CommandRunner(Duration.ofMillis(300));
    CommandResult r = quick.run(List.of("sh", "-c", "sleep 60 & echo $!; wait"));
    assertTrue(r.timedOut());
    assertEquals(-1, r.exitCode());
    assertTrue(r.outcome().startsWith("killed at its timeout after "), r.outcome());
    long child = Long.parseLong(r.firstLines().get(0));
    Await.until(
        java.time.Duration.ofSeconds(2),
        "the command's child " + child + " killed too",
        () -> ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true),
        gone -> gone);
  }

  @Test
  void aDaemonThatKeepsOutputOpenDoesNotHangTheRunner() {
    // The child detaches with stdout still open; reading a pipe to its end would wait 60 s.
    CommandResult r = runner.run(List.of("sh", "-c", "setsid sleep 60 & echo $!"));
    try {
      assertTrue(r.succeeded(), r.summary());
      assertTrue(r.took().compareTo(Duration.ofSeconds(2)) < 0, r.summary());
    } finally {
      long daemon = Long.parseLong(r.firstLines().get(0)); // stopped by its pid
      ProcessHandle.of(daemon).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void aMissingProgramIsAResultNotACrash() {
    CommandResult r = runner.run(List.of("/nonexistent/restart-nginx"));
    assertFalse(r.succeeded());
    assertTrue(r.outcome().startsWith("cannot start: "), r.outcome());
  }

  @Test
  void longAndControlCharacterLinesAreCleaned() {
    CommandResult r =
        runner.run(List.of("sh", "-c", "printf 'a\\033[31mred\\n'; printf '%01000d' 0"));
    assertEquals("a [31mred", r.firstLines().get(0));
    assertEquals(CommandRunner.KEPT_LINE_LENGTH + 3, r.firstLines().get(1).length());
  }
}
