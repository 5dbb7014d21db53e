package io.keepwatch.agent.verdict;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keepwatch.agent.TestProbes;
import io.keepwatch.agent.config.OnFailure;
import io.keepwatch.agent.config.ProbeSpec;
import io.keepwatch.probes.ProbeResult;
import io.keepwatch.probes.ProbeResult.Outcome;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a failure means: nginx not there or not answering (DOWN, a restart may help) against nginx
 * answering wrongly (DEGRADED: no restart, give way to a healthier peer only), and the two answers
 * keepalived reads, /check and /check/serving.
 */
class FailureClassesTest {

  private final Clock clock = Clock.fixed(Instant.parse("2026-11-30T10:00:00Z"), ZoneOffset.UTC);

  static Stream<Arguments> outcomes() {
    return Stream.of(
        Arguments.of(Outcome.GONE, OnFailure.RESTART),
        Arguments.of(Outcome.PROCESS, OnFailure.RESTART),
        Arguments.of(Outcome.CONNECT_FAILED, OnFailure.RESTART),
        Arguments.of(Outcome.TIMEOUT, OnFailure.RESTART),
        Arguments.of(Outcome.BAD_RESPONSE, OnFailure.FAILOVER),
        Arguments.of(Outcome.ERROR, OnFailure.FAILOVER));
  }

  @ParameterizedTest
  @MethodSource("outcomes")
  void autoClassifiesByWhatWasSeen(Outcome outcome, OnFailure expected) {
    assertEquals(expected, OnFailure.byOutcome(outcome));
    assertEquals(expected, TestProbes.tcp("p").calledFor(outcome));
    assertEquals(OnFailure.REPORT, TestProbes.tcp("p", 1, false).calledFor(outcome));
  }

  @Test
  void theOperatorMaySayOtherwisePerProbe() {
    ProbeSpec base = TestProbes.tcp("p");
    for (OnFailure chosen : OnFailure.values()) {
      ProbeSpec spec =
          new ProbeSpec(
              "p", base.interval(), base.timeout(), 1, 1, true, base.target(), Optional.of(chosen));
      assertEquals(chosen, spec.calledFor(Outcome.BAD_RESPONSE));
      assertEquals(chosen, spec.calledFor(Outcome.CONNECT_FAILED));
    }
  }

  /** Each probe's outcome sequence (one result each), and the verdict, /check and /serving. */
  static Stream<Arguments> verdicts() {
    return Stream.of(
        // home, port -> state, /check, /check/serving
        Arguments.of(Outcome.OK, Outcome.OK, NodeState.UP, 200, 200),
        Arguments.of(Outcome.BAD_RESPONSE, Outcome.OK, NodeState.DEGRADED, 503, 200),
        Arguments.of(Outcome.OK, Outcome.CONNECT_FAILED, NodeState.DOWN, 503, 503),
        Arguments.of(Outcome.TIMEOUT, Outcome.OK, NodeState.DOWN, 503, 503),
        // a wrong answer and a refused port: nginx cannot serve; a restart may help
        Arguments.of(Outcome.BAD_RESPONSE, Outcome.CONNECT_FAILED, NodeState.DOWN, 503, 503));
  }

  @ParameterizedTest(name = "home {0}, port {1}")
  @MethodSource("verdicts")
  void degradedOnlyWhenEveryFailureIsAWrongAnswer(
      Outcome home, Outcome port, NodeState state, int check, int serving) {
    Judge judge = new Judge(List.of(TestProbes.tcp("home"), TestProbes.tcp("port")), clock);
    judge.record("home", result(home));
    judge.record("port", result(port));
    assertEquals(state, judge.snapshot().verdict().state(), judge.snapshot().verdict().line());
    assertEquals(check, judge.snapshot().answer().status());
    assertEquals(serving, judge.snapshot().serving().status());
  }

  @Test
  void theFailureThatMadeAProbeFallDecidesWhatItCallsForWhileItStaysDown() {
    Judge judge = new Judge(List.of(TestProbes.tcp("home")), clock);
    judge.record("home", result(Outcome.BAD_RESPONSE));
    assertEquals(NodeState.DEGRADED, judge.snapshot().verdict().state());
    judge.record("home", result(Outcome.TIMEOUT));
    assertEquals(
        NodeState.DEGRADED,
        judge.snapshot().verdict().state(),
        "still down for the same fall: the reason and its class are kept");
    judge.record("home", ProbeResult.ok("fine"));
    judge.record("home", result(Outcome.TIMEOUT));
    assertEquals(NodeState.DOWN, judge.snapshot().verdict().state(), "a new fall, a new class");
  }

  /** A master that is gone does not come back by waiting: it counts at once, whatever the fall. */
  @Test
  void nginxGoneFallsAtOnceOtherFailuresAfterTheirFall() {
    Judge judge =
        new Judge(
            List.of(TestProbes.tcp("process", 2, true), TestProbes.tcp("port", 2, true)), clock);
    for (String probe : List.of("process", "port")) {
      judge.record(probe, ProbeResult.ok("fine"));
      judge.record(probe, ProbeResult.ok("fine"));
    }
    assertEquals(NodeState.UP, judge.snapshot().verdict().state());
    judge.record("port", result(Outcome.CONNECT_FAILED));
    assertEquals(
        NodeState.UP, judge.snapshot().verdict().state(), "one refusal of fall 2: not yet");
    judge.record("process", ProbeResult.failed(Outcome.GONE, "stale pidfile: no process 42"));
    assertEquals(NodeState.DOWN, judge.snapshot().verdict().state(), "gone: at once");
  }

  @Test
  void aStartingAgentAnswersAsThePreviousOneDidUntilItsFirstVerdict() {
    Judge judge = new Judge(List.of(TestProbes.tcp("port")), clock);
    assertEquals(503, judge.snapshot().answer().status());
    judge.inherit(Optional.of(new Inherited(true, true)));
    assertEquals(NodeState.STARTING, judge.snapshot().verdict().state());
    assertEquals(200, judge.snapshot().answer().status());
    assertEquals(200, judge.snapshot().serving().status());
    assertEquals(
        "STARTING waiting for the first verdict of port; answering as the previous agent did until"
            + " then",
        judge.snapshot().answer().text());

    judge.inherit(Optional.empty()); // its lease ran out before a verdict
    assertEquals(503, judge.snapshot().answer().status());

    judge.inherit(Optional.of(new Inherited(false, true)));
    assertEquals(503, judge.snapshot().answer().status(), "a DEGRADED previous agent");
    assertEquals(200, judge.snapshot().serving().status());
    judge.record("port", result(Outcome.CONNECT_FAILED));
    assertEquals(
        503, judge.snapshot().serving().status(), "the first verdict ends the inheritance");
  }

  private static ProbeResult result(Outcome outcome) {
    return outcome == Outcome.OK ? ProbeResult.ok("fine") : ProbeResult.failed(outcome, "seen");
  }
}
