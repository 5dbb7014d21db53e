package io.keepwatch.probes.stubstatus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;

/**
 * Properties of the stub_status parser over generated input: any string, and valid pages with
 * random edits. It either parses or throws {@link StubStatusFormatException} with a short,
 * printable reason; never anything else, and never a wrong number.
 */
class StubStatusProperties {

  static String page(
      long active,
      long accepts,
      long handled,
      long requests,
      long reading,
      long writing,
      long waiting) {
    return "Active connections: "
        + active
        + " \nserver accepts handled requests\n "
        + accepts
        + " "
        + handled
        + " "
        + requests
        + " \nReading: "
        + reading
        + " Writing: "
        + writing
        + " Waiting: "
        + waiting
        + " \n";
  }

  /** Parses, or fails only the documented way with a reason an operator can read. */
  static void parsesOrSaysWhy(String body) {
    try {
      StubStatus.parse(body);
    } catch (StubStatusFormatException e) {
      String why = e.getMessage();
      assertTrue(why != null && !why.isBlank(), "no reason for " + body);
      assertTrue(why.length() < 400, "reason of " + why.length() + " chars: " + why);
      assertTrue(why.chars().noneMatch(c -> c < 0x20 || c == 0x7f), "unprintable reason: " + why);
    }
  }

  @Property(tries = 2000)
  void anyStringParsesOrSaysWhy(@ForAll @StringLength(max = 600) String body) {
    parsesOrSaysWhy(body);
  }

  @Property(tries = 500)
  void hugeBodiesAreRejectedByLength(@ForAll @StringLength(min = 4097, max = 20000) String body) {
    parsesOrSaysWhy(body);
  }

  @Property(tries = 1000)
  void everyValidPageParsesToItsNumbers(
      @ForAll @LongRange(max = Long.MAX_VALUE / 2) long active,
      @ForAll @LongRange(max = Long.MAX_VALUE / 2) long accepts,
      @ForAll @LongRange(max = 1_000_000) long reading) {
    StubStatus s = StubStatus.parse(page(active, accepts, accepts, accepts * 2 / 2, reading, 1, 0));
    assertEquals(active, s.active());
    assertEquals(accepts, s.accepted());
    assertEquals(reading, s.reading());
  }

  @Provide
  Arbitrary<String> editedPages() {
    Arbitrary<String> valid =
        Combinators.combine(
                Arbitraries.longs().between(0, 100_000),
                Arbitraries.longs().between(0, Long.MAX_VALUE / 2))
            .as((a, n) -> page(a, n, n, n, 0, 1, a));
    Arbitrary<Character> junk =
        Arbitraries.oneOf(
            Arbitraries.chars().ascii(),
            Arbitraries.of('\n', '\r', ' ', '-', '9', '\u0000', '\u00e9', '\ufeff'));
    return Combinators.combine(
            valid,
            Arbitraries.integers().between(0, 200),
            junk,
            Arbitraries.integers().between(0, 3))
        .as(
            (page, at, c, kind) -> {
              int i = Math.min(at, page.length());
              return switch (kind) {
                case 0 -> page.substring(0, i) + c + page.substring(i); // insert
                case 1 ->
                    i < page.length()
                        ? page.substring(0, i) + page.substring(i + 1)
                        : page; // delete
                case 2 ->
                    i < page.length()
                        ? page.substring(0, i) + c + page.substring(i + 1)
                        : page; // replace
                default -> page.substring(0, i); // truncate
              };
            });
  }

  @Property(tries = 3000)
  void editedPagesParseOrSayWhy(@ForAll("editedPages") String body) {
    parsesOrSaysWhy(body);
  }

  @Property(tries = 200)
  void numbersBeyondLongAreRejectedNotWrapped(
      @ForAll @StringLength(min = 17, max = 40) @net.jqwik.api.constraints.NumericChars
          String digits) {
    java.math.BigInteger value = new java.math.BigInteger("9" + digits);
    String body =
        "Active connections: "
            + value
            + " \nserver accepts handled requests\n 1 1 1 \nReading: 0 Writing: 1 Waiting: 0 \n";
    if (value.bitLength() < 64) {
      assertEquals(
          value.longValueExact(),
          StubStatus.parse(body).active(),
          "a number that fits is read exactly");
    } else {
      StubStatusFormatException e =
          assertThrows(
              StubStatusFormatException.class,
              () -> StubStatus.parse(body),
              "a number past 2^63 - 1 must be rejected, not wrapped");
      assertTrue(e.getMessage().contains("active connections"), e.getMessage());
    }
  }
}
