package io.keepwatch.agent;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every rejection of outside input must give an operator: a short, printable, one-line reason.
 */
public final class ReadableReason {

  private ReadableReason() {}

  public static void check(String why, int maxLength) {
    assertTrue(why != null && !why.isBlank(), "no reason given");
    assertTrue(why.length() < maxLength, "a reason of " + why.length() + " characters: " + why);
    assertTrue(why.chars().noneMatch(c -> c < 0x20 || c == 0x7f), "an unprintable reason: " + why);
  }
}
