package io.keepwatch.agent.keepalived;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.ReadableReason;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;

/**
 * The notify FIFO line parser over generated lines: parses keepalived's, refuses the rest with a
 * reason.
 */
class NotifyLineProperties {

  static void parsesOrSaysWhy(String line) {
    try {
      NotifyLine.parse(line);
    } catch (IllegalArgumentException e) {
      ReadableReason.check(e.getMessage(), 300);
    }
  }

  @Property(tries = 3000)
  void anyLineParsesOrSaysWhy(@ForAll @StringLength(max = 1000) String line) {
    parsesOrSaysWhy(line);
  }

  @Provide
  Arbitrary<String> instanceNames() {
    return Arbitraries.strings()
        .withCharRange('!', '~')
        .excludeChars('"')
        .ofMinLength(1)
        .ofMaxLength(128);
  }

  @Property(tries = 1000)
  void keepalivedsLinesParseToWhatTheySay(
      @ForAll("instanceNames") String name,
      @ForAll("states") String state,
      @ForAll("priorities") int priority) {
    NotifyLine parsed = NotifyLine.parse("INSTANCE \"" + name + "\" " + state + " " + priority);
    assertEquals(new NotifyLine("INSTANCE", name, state, priority), parsed);
  }

  @Provide
  Arbitrary<String> states() {
    return Arbitraries.of("MASTER", "BACKUP", "FAULT", "STOP", "MASTER_RX_LOWER_PRI");
  }

  @Provide
  Arbitrary<Integer> priorities() {
    return Arbitraries.integers().between(0, 255);
  }

  @Provide
  Arbitrary<String> editedLines() {
    Arbitrary<String> valid =
        Combinators.combine(instanceNames(), states(), priorities())
            .as((n, s, p) -> "INSTANCE \"" + n + "\" " + s + " " + p);
    return Combinators.combine(valid, Arbitraries.integers().between(0, 150), Arbitraries.chars())
        .as(
            (line, at, c) -> {
              int i = Math.min(at, line.length());
              return line.substring(0, i) + c + line.substring(Math.min(line.length(), i + 1));
            });
  }

  @Property(tries = 3000)
  void editedLinesParseOrSayWhy(@ForAll("editedLines") String line) {
    parsesOrSaysWhy(line);
  }

  /**
   * What reaches a metric label is from a fixed set, whatever the line (issue 14: each new state
   * word was a new series, until /metrics was 1.5 MB and the heap gone; a priority of 99999 was
   * accepted).
   */
  @Property(tries = 3000)
  void everyParsedLineHasAKnownStateAndAPriorityUpTo255(@ForAll("lineShapes") String line) {
    NotifyLine parsed;
    try {
      parsed = NotifyLine.parse(line);
    } catch (IllegalArgumentException e) {
      return;
    }
    if (parsed.checker()) {
      assertTrue(List.of("UP", "DOWN").contains(parsed.state()), parsed::toString);
    } else {
      assertTrue(NotifyLine.STATES.contains(parsed.state()) || parsed.event(), parsed::toString);
      assertTrue(parsed.priority() >= 0 && parsed.priority() <= 255, parsed::toString);
      assertTrue(parsed.name().codePoints().noneMatch(Character::isISOControl), parsed::toString);
    }
  }

  /** Lines of keepalived's shape with any state word, priority and name, C1 controls included. */
  @Provide
  Arbitrary<String> lineShapes() {
    Arbitrary<String> names =
        Arbitraries.strings().all().excludeChars('"', '\n').ofMinLength(1).ofMaxLength(20);
    Arbitrary<String> words =
        Arbitraries.oneOf(states(), Arbitraries.strings().withCharRange('A', 'Z').ofLength(5));
    return Combinators.combine(
            Arbitraries.of("INSTANCE", "GROUP"),
            names,
            words,
            Arbitraries.integers().between(0, 99999))
        .as((t, n, w, p) -> t + " \"" + n + "\" " + w + " " + p);
  }

  /** Instance names in any language come through as they are. */
  @Property(tries = 500)
  void unicodeNamesParseIntact(@ForAll("unicodeNames") String name) {
    assertEquals(name, NotifyLine.parse("INSTANCE \"" + name + "\" MASTER 100").name());
  }

  @Provide
  Arbitrary<String> unicodeNames() {
    return Arbitraries.strings()
        .withCharRange('\u00a0', '\ud7ff')
        .excludeChars('"')
        .ofMinLength(1)
        .ofMaxLength(40);
  }
}
