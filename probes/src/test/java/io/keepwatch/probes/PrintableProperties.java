package io.keepwatch.probes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** The one escaper: nothing a terminal acts on gets through, everything else does (issue 14). */
class PrintableProperties {

  @Property(tries = 2000)
  void escapedTextHoldsNoControlCharacterAndKeepsEveryOtherOne(@ForAll String text) {
    String shown = Printable.escaped(text);
    assertTrue(shown.chars().noneMatch(Character::isISOControl), shown);
    assertEquals(
        text.codePoints().filter(c -> !Character.isISOControl(c)).count(),
        shown.codePoints().filter(c -> !Character.isISOControl(c)).count()
            - 4L * text.chars().filter(Character::isISOControl).count(),
        "each control character becomes the four characters \\xNN; the rest stays");
    assertEquals(shown, Printable.escaped(shown), "idempotent");
  }
}
