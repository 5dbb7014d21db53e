package io.keepwatch.probes.stubstatus;

import io.keepwatch.probes.Printable;
import java.util.ArrayList;
import java.util.List;

/**
 * The numbers of nginx's stub_status page (ngx_http_stub_status_module). Immutable.
 *
 * <p>The page nginx writes is exactly four lines (each number followed by a space):
 *
 * <pre>
 * Active connections: 291
 * server accepts handled requests
 *  16630948 16630948 31070465
 * Reading: 6 Writing: 179 Waiting: 106
 * </pre>
 *
 * @param active open client connections, including waiting ones
 * @param accepted client connections accepted since start
 * @param handled client connections handled (differs from accepted at a resource limit)
 * @param requests client requests since start
 * @param reading connections where nginx reads the request header
 * @param writing connections where nginx writes the response
 * @param waiting idle keep-alive connections
 */
public record StubStatus(
    long active,
    long accepted,
    long handled,
    long requests,
    long reading,
    long writing,
    long waiting) {

  /** A real page is under 200 bytes; anything much larger is something else. */
  static final int MAX_LENGTH = 4096;

  /**
   * Parses a stub_status body.
   *
   * @throws StubStatusFormatException naming the line and what was expected there
   */
  public static StubStatus parse(String body) {
    if (body.isEmpty()) {
      throw new StubStatusFormatException("empty body");
    }
    if (body.length() > MAX_LENGTH) {
      throw new StubStatusFormatException(
          "body is " + body.length() + " characters; a stub_status page is under 200");
    }
    List<String[]> lines = tokenizedLines(body);
    if (lines.size() < 4) {
      throw new StubStatusFormatException(
          "expected 4 lines, got " + lines.size() + " (first: " + quote(body) + ")");
    }
    if (lines.size() > 4) {
      throw new StubStatusFormatException(
          "line 5: unexpected text after the 4 stub_status lines: "
              + quote(String.join(" ", lines.get(4))));
    }

    String[] first = lines.get(0);
    expectShape(first, 1, "Active connections: N", "Active", "connections:", null);
    long active = number(first[2], 1, "active connections");

    expectShape(
        lines.get(1),
        2,
        "server accepts handled requests",
        "server",
        "accepts",
        "handled",
        "requests");

    String[] counters = lines.get(2);
    if (counters.length != 3) {
      throw new StubStatusFormatException(
          "line 3: expected 3 numbers (accepts handled requests), got "
              + quote(String.join(" ", counters)));
    }
    long accepted = number(counters[0], 3, "accepts");
    long handled = number(counters[1], 3, "handled");
    long requests = number(counters[2], 3, "requests");

    String[] states = lines.get(3);
    expectShape(
        states,
        4,
        "Reading: N Writing: N Waiting: N",
        "Reading:",
        null,
        "Writing:",
        null,
        "Waiting:",
        null);
    long reading = number(states[1], 4, "Reading");
    long writing = number(states[3], 4, "Writing");
    long waiting = number(states[5], 4, "Waiting");

    return new StubStatus(active, accepted, handled, requests, reading, writing, waiting);
  }

  /** Splits into lines (LF or CRLF) and each line into words; a blank last line is dropped. */
  private static List<String[]> tokenizedLines(String body) {
    List<String[]> lines = new ArrayList<>();
    String[] raw = body.split("\r?\n", -1);
    for (int i = 0; i < raw.length; i++) {
      String line = raw[i].strip();
      if (line.isEmpty()) {
        if (i == raw.length - 1) {
          break; // the newline after the last line
        }
        throw new StubStatusFormatException("line " + (i + 1) + ": unexpected blank line");
      }
      lines.add(line.split("[ \t]+"));
    }
    return lines;
  }

  /** Checks a line's words; a null in {@code expected} stands for a number checked later. */
  private static void expectShape(
      String[] words, int lineNumber, String shape, String... expected) {
    boolean matches = words.length == expected.length;
    for (int i = 0; matches && i < expected.length; i++) {
      matches = expected[i] == null || expected[i].equals(words[i]);
    }
    if (!matches) {
      throw new StubStatusFormatException(
          "line "
              + lineNumber
              + ": expected '"
              + shape
              + "', got "
              + quote(String.join(" ", words)));
    }
  }

  private static long number(String word, int lineNumber, String field) {
    boolean digits = !word.isEmpty() && word.length() <= 19;
    for (int i = 0; digits && i < word.length(); i++) {
      digits = word.charAt(i) >= '0' && word.charAt(i) <= '9';
    }
    if (!digits) {
      throw new StubStatusFormatException(
          "line " + lineNumber + ": " + field + " is not a non-negative integer: " + quote(word));
    }
    try {
      return Long.parseLong(word);
    } catch (NumberFormatException tooLarge) {
      throw new StubStatusFormatException(
          "line " + lineNumber + ": " + field + " is too large: " + quote(word));
    }
  }

  /** The first line's first 60 characters, quoted, control characters made visible. */
  static String quote(String text) {
    return Printable.quoted(text.lines().findFirst().orElse(""), 60);
  }
}
