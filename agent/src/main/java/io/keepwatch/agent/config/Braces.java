package io.keepwatch.agent.config;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

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
        case '{', '[' -> open.push(new Open(c, line));
        case '}', ']' -> {
          if (!open.isEmpty()) {
            open.pop();
          }
        }
        default -> {}
      }
    }
    return open.isEmpty() ? Optional.empty() : Optional.of(open.peek());
  }
}
