package io.keepwatch.agent.verdict;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keepwatch.agent.verdict.RiseFall.Health;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RiseFallTest {

  /** Runs a sequence of outcomes ('+' success, '-' failure) and returns the health after each. */
  private static String healths(String outcomes, int rise, int fall) {
    RiseFall state = RiseFall.initial();
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < outcomes.length(); i++) {
      char c = outcomes.charAt(i);
      state = state.next(c == '+', rise, fall);
      out.append(
          switch (state.health()) {
            case UNKNOWN -> '?';
            case UP -> 'U';
            case DOWN -> 'D';
          });
    }
    return out.toString();
  }

  static Stream<Arguments> sequences() {
    return Stream.of(
        // outcomes, rise, fall, health after each run
        Arguments.of("++", 2, 2, "?U"),
        Arguments.of("--", 2, 2, "?D"),
        Arguments.of("+", 1, 1, "U"),
        Arguments.of("-", 1, 1, "D"),
        Arguments.of("+-+-+-", 2, 2, "??????"), // flapping from the start never decides
        Arguments.of("++-+-+-+", 2, 2, "?UUUUUUU"), // single failures never make it fall
        Arguments.of("++--", 2, 2, "?UUD"),
        Arguments.of("++---+", 2, 3, "?UUUDD"),
        Arguments.of("--+-++", 2, 2, "?DDDDU"), // a lone success does not rise
        Arguments.of("--+++", 3, 2, "?DDDU"),
        Arguments.of("++++--++", 2, 2, "?UUUUDDU"));
  }

  @ParameterizedTest(name = "{0} rise={1} fall={2}")
  @MethodSource("sequences")
  void debouncesLikeVrrpScript(String outcomes, int rise, int fall, String expected) {
    assertEquals(expected, healths(outcomes, rise, fall));
  }

  @Test
  void countsTheCurrentRun() {
    RiseFall state = RiseFall.initial().next(true, 2, 2).next(true, 2, 2).next(false, 2, 2);
    assertEquals(0, state.consecutiveSuccesses());
    assertEquals(1, state.consecutiveFailures());
    assertEquals(Health.UP, state.health());
  }

  @Test
  void runCounterSaturatesInsteadOfOverflowing() {
    RiseFall state = new RiseFall(Health.UP, true, Integer.MAX_VALUE).next(true, 2, 2);
    assertEquals(Integer.MAX_VALUE, state.run());
    assertEquals(Health.UP, state.health());
  }
}
