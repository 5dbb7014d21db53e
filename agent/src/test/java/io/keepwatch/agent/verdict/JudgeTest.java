package io.keepwatch.agent.verdict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.keepwatch.agent.TestProbes;
import io.keepwatch.agent.config.ProbeSpec;
import io.keepwatch.agent.probing.ProcessKind;
import io.keepwatch.probes.ProbeResult;
import io.keepwatch.probes.ProbeResult.Outcome;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JudgeTest {

  private static ProbeSpec spec(String name, boolean critical) {
    return TestProbes.tcp(name, 2, critical);
  }

  private static ProbeSpec process(String name) {
    return new ProbeSpec(
        name,
        Duration.ofMillis(200),
        Duration.ofMillis(100),
        2,
        2,
        true,
        new ProcessKind.Target(Path.of("/run/nginx.pid"), "nginx", 1));
  }

  private final Clock clock = Clock.fixed(Instant.parse("2026-11-21T10:00:00Z"), ZoneOffset.UTC);
  private static final ProbeResult OK = ProbeResult.ok("fine");

  private static ProbeResult fail(String detail) {
    return ProbeResult.failed(Outcome.PROCESS, detail);
  }

  @Test
  void startsInStartingAndAnswers503() {
    Judge judge = new Judge(List.of(process("process"), spec("port", true)), clock);
    assertEquals(NodeState.STARTING, judge.snapshot().verdict().state());
    assertEquals(503, judge.snapshot().answer().status());
    assertEquals(
        "STARTING waiting for the first verdict of process, port",
        judge.snapshot().answer().text());
  }

  @Test
  void upOnlyWhenEveryCriticalProbeRose() {
    Judge judge =
        new Judge(List.of(process("process"), spec("port", true), spec("stub", false)), clock);
    judge.record("process", OK);
    judge.record("process", OK);
    judge.record("port", OK);
    assertEquals(NodeState.STARTING, judge.snapshot().verdict().state());
    judge.record("port", OK);
    assertEquals(
        NodeState.UP,
        judge.snapshot().verdict().state(),
        "the non-critical probe is not waited for");
    assertEquals("UP", judge.snapshot().answer().text());
    assertEquals(200, judge.snapshot().answer().status());
  }

  @Test
  void downNamesEveryDownCriticalProbeWithTheFailureThatMadeItFall() {
    Judge judge =
        new Judge(List.of(process("process"), spec("port", true), spec("stub", false)), clock);
    for (String p : List.of("process", "port")) {
      judge.record(p, OK);
      judge.record(p, OK);
    }
    judge.record("stub", fail("stub is garbage"));
    judge.record("stub", fail("stub is garbage"));
    assertEquals(
        NodeState.UP,
        judge.snapshot().verdict().state(),
        "non-critical failures are reported only");

    judge.record("process", fail("nginx master 42 is stopped (SIGSTOP)"));
    assertEquals(NodeState.UP, judge.snapshot().verdict().state(), "one failure is below fall=2");
    judge.record("process", fail("nginx master 42 is stopped (SIGSTOP)"));
    assertEquals(
        "DOWN process: nginx master 42 is stopped (SIGSTOP)", judge.snapshot().answer().text());

    judge.record("port", fail("refused"));
    judge.record("port", fail("refused"));
    assertEquals(
        "DOWN process: nginx master 42 is stopped (SIGSTOP); port: refused",
        judge.snapshot().answer().text());
  }

  @Test
  void answerIsRebuiltOnlyWhenTheVerdictChanges() {
    Judge judge = new Judge(List.of(process("process")), clock);
    judge.record("process", OK);
    judge.record("process", OK);
    CheckAnswer up = judge.snapshot().answer();
    for (int i = 0; i < 10; i++) {
      judge.record("process", OK);
    }
    assertSame(up, judge.snapshot().answer());
    judge.record("process", fail("x"));
    assertSame(up, judge.snapshot().answer(), "one failure below fall changes nothing");
  }

  @Test
  void reasonIsKeptWhileDownEvenIfTheDetailChanges() {
    Judge judge = new Judge(List.of(process("process")), clock);
    judge.record("process", fail("pidfile missing"));
    judge.record("process", fail("pidfile missing"));
    judge.record("process", fail("something else"));
    assertEquals("DOWN process: pidfile missing", judge.snapshot().answer().text());
    assertEquals("something else", judge.snapshot().probes().get(0).last().orElseThrow().detail());
  }

  @Test
  void reasonIsOneLineEvenIfAProbeDetailHasNewlines() {
    Judge judge = new Judge(List.of(process("process")), clock);
    judge.record("process", fail("line one\r\nline two"));
    judge.record("process", fail("line one\r\nline two"));
    assertEquals("DOWN process: line one line two", judge.snapshot().answer().text());
  }

  @Test
  void listenersHearVerdictChangesOnce() {
    Judge judge = new Judge(List.of(process("process")), clock);
    List<String> heard = new ArrayList<>();
    judge.addListener(
        new Judge.Listener() {
          @Override
          public void verdictChanged(Verdict before, Verdict after) {
            heard.add(before.state() + "->" + after.state());
          }
        });
    for (boolean ok : new boolean[] {true, true, true, false, false, false, true, true}) {
      judge.record("process", ok ? OK : fail("x"));
    }
    assertEquals(List.of("STARTING->UP", "UP->DOWN", "DOWN->UP"), heard);
  }

  @Test
  void overlayShowsOverTheProbesAndHoldingTheVipAnswers200WithTheTruthInTheBody() {
    Judge judge = new Judge(List.of(process("process")), clock);
    judge.record("process", fail("pidfile missing"));
    judge.record("process", fail("pidfile missing"));
    assertEquals(503, judge.snapshot().answer().status());

    judge.setOverlay(
        java.util.Optional.of(new Overlay(NodeState.RECOVERING, "restart 1 of 3", true)));
    assertEquals(
        200, judge.snapshot().answer().status(), "hold-vip keeps keepalived's check passing");
    assertEquals(
        "RECOVERING restart 1 of 3",
        judge.snapshot().answer().text(),
        "the body still says what is going on");
    assertEquals(true, judge.snapshot().holdsVip());

    judge.setOverlay(
        java.util.Optional.of(new Overlay(NodeState.RECOVERING, "restart 1 of 3", false)));
    assertEquals(
        503,
        judge.snapshot().answer().status(),
        "the hold ended: the answer changes though the state does not");

    judge.setOverlay(
        java.util.Optional.of(new Overlay(NodeState.MAINTENANCE, "kernel upgrade", false)));
    assertEquals("MAINTENANCE kernel upgrade", judge.snapshot().answer().text());
    judge.record("process", OK);
    judge.record("process", OK);
    assertEquals(
        NodeState.MAINTENANCE,
        judge.snapshot().verdict().state(),
        "healthy probes do not end a drain");
    assertEquals(NodeState.UP, judge.probeVerdict().state());

    judge.setOverlay(java.util.Optional.empty());
    assertEquals("UP", judge.snapshot().answer().text());
  }

  @Test
  void onlyARestartInFlightMayHoldTheVip() {
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> new Overlay(NodeState.ESCALATED, "x", true));
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> new Overlay(NodeState.UP, "x", false));
  }
}
