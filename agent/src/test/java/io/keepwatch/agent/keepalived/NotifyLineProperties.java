package io.keepwatch.agent.keepalived;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keepwatch.agent.ReadableReason;
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
}
