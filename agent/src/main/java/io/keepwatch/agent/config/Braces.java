package io.keepwatch.agent.config;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Finds the brace or bracket a HOCON file never closes, so a file that ends too early is reported
 * as "the '{' on line 2 is never closed" instead of the parser's "expecting a close parentheses
 * ')'". Skips quoted strings and comments (# and //); triple-quoted strings are rare in keepwatch
 * files and are read as plain quotes, which can only make the hint less precise.
 */
final class Braces {

  /** An opening '{' or '[' and its line (from 1). */
  record Open(char brace, int line) {}

  private Braces() {}

  /** The innermost opening brace or bracket left open at the end of the text, if any. */
  static Optional<Open> unclosed(String text) {
    Deque<Open> open = new ArrayDeque<>();
    scan(text, open::push, () -> open.poll());
    return Optional.ofNullable(open.peek());
  }

  /**
   * The first brace or bracket that opens a level deeper than {@code max}, if any: the HOCON parser
   * recurses once per level, and thousands of levels overflow its stack (issue 14).
   */
  static Optional<Open> deeperThan(String text, int max) {
    int[] depth = {0};
    Open[] first = {null};
    scan(
        text,
        brace -> {
          if (++depth[0] > max && first[0] == null) {
            first[0] = brace;
          }
        },
        () -> depth[0] = Math.max(0, depth[0] - 1));
    return Optional.ofNullable(first[0]);
  }

  /** Calls {@code opened} for each '{' or '[' and {@code closed} for each '}' or ']'. */
  private static void scan(String text, Consumer<Open> opened, Runnable closed) {
    int line = 1;
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n') {
        line++;
        quoted = false; // a plain string never spans lines
        continue;
      }
      if (quoted) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          quoted = false;
        }
        continue;
      }
      if (c == '#' || (c == '/' && i + 1 < text.length() && text.charAt(i + 1) == '/')) {
        int end = text.indexOf('\n', i);
        i = (end < 0 ? text.length() : end) - 1;
        continue;
      }
      switch (c) {
        case '"' -> quoted = true;
        case '{', '[' -> opened.accept(new Open(c, line));
        case '}', ']' -> closed.run();
        default -> {}
      }
    }
  }
}
