package io.keepwatch.agent.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The budget, window and back-off rules in milliseconds, without nginx or threads. */
class RestartBudgetTest {

  static final long MS = 1_000_000;

  /** 3 restarts within 5 minutes, back-off from 1 s. */
  static RestartBudget budget() {
    return new RestartBudget(3, Duration.ofMinutes(5), Duration.ofSeconds(1), List.of(), 0);
  }

  /** Restarts at these times (ms), then asks the budget at {@code askAtMs}. */
  static RestartBudget restartedAt(long... ms) {
    RestartBudget b = budget();
    for (long t : ms) {
      b = b.restartedAt(t * MS);
    }
    return b;
  }

  static Stream<Arguments> windows() {
    return Stream.of(
        // restarts at (ms), asked at (ms), restarts in window, spent
        Arguments.of(new long[] {}, 0L, 0, false),
        Arguments.of(new long[] {0}, 1_000L, 1, false),
        Arguments.of(new long[] {0, 1_000}, 2_000L, 2, false),
        Arguments.of(new long[] {0, 1_000, 3_000}, 4_000L, 3, true),
        // the window slides: the first restart is 5 min + 1 ms old
        Arguments.of(new long[] {0, 1_000, 3_000}, 300_001L, 2, false),
        // exactly at the window's edge it still counts
        Arguments.of(new long[] {0, 1_000, 3_000}, 300_000L, 3, true),
        // long ago, all forgotten
        Arguments.of(new long[] {0, 1_000, 3_000}, 3_600_000L, 0, false));
  }

  @ParameterizedTest(name = "restarts at {0} ms, asked at {1} ms")
  @MethodSource("windows")
  void countsOnlyRestartsWithinTheWindow(long[] at, long askedMs, int inWindow, boolean spent) {
    RestartBudget b = restartedAt(at);
    assertEquals(inWindow, b.restartsInWindow(askedMs * MS));
    assertEquals(spent, b.spent(askedMs * MS));
  }

  static Stream<Arguments> backoffs() {
    return Stream.of(
        // restarts in the window -> wait after a failed attempt (ms)
        Arguments.of(new long[] {0}, 1_000L),
        Arguments.of(new long[] {0, 1}, 2_000L),
        Arguments.of(new long[] {0, 1, 2}, 4_000L),
        Arguments.of(new long[] {0, 1, 2, 3, 4, 5}, 30_000L)); // 32 s capped at 30
  }

  @ParameterizedTest
  @MethodSource("backoffs")
  void backoffDoublesPerRestartAndIsCapped(long[] at, long waitMs) {
    RestartBudget b =
        new RestartBudget(100, Duration.ofMinutes(5), Duration.ofSeconds(1), List.of(), 0);
    for (long t : at) {
      b = b.restartedAt(t * MS);
    }
    assertEquals(Duration.ofMillis(waitMs), b.backoffAt(10 * MS));
  }

  @Test
  void onlyTheFirstAttemptOfAnEpisodeMayHoldTheVip() {
    RestartBudget b = budget().newEpisode().attemptStarted();
    assertTrue(b.firstAttempt());
    b = b.restartedAt(0).attemptStarted();
    assertFalse(b.firstAttempt(), "the second attempt of the same failure");
    b = b.newEpisode().attemptStarted();
    assertTrue(b.firstAttempt(), "a new failure starts a new episode");
    assertEquals(1, b.restartsInWindow(1), "but the window still remembers the restart");
  }

  @Test
  void clearedForgetsEverything() {
    RestartBudget b = restartedAt(0, 1, 2).attemptStarted().cleared();
    assertEquals(0, b.restartsInWindow(3 * MS));
    assertFalse(b.spent(3 * MS));
    assertEquals(0, b.attemptsInEpisode());
  }

  @Test
  void aWrappingNanoClockStillCounts() {
    long nearWrap = Long.MAX_VALUE - 500 * MS;
    RestartBudget b = budget().restartedAt(nearWrap).restartedAt(nearWrap + 1_000 * MS);
    assertEquals(2, b.restartsInWindow(nearWrap + 2_000 * MS), "nanoTime may wrap");
  }
}
