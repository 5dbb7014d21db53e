package io.keepwatch.probes.stubstatus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StubStatusTest {

  /** Byte for byte what nginx 1.22 writes (each number is followed by a space). */
  static final String NGINX_PAGE =
      """
          Active connections: 291\s
          server accepts handled requests
           16630948 16630947 31070465\s
          Reading: 6 Writing: 179 Waiting: 106\s
          """;

  @Test
  void parsesThePageNginxWrites() {
    assertEquals(
        new StubStatus(291, 16630948, 16630947, 31070465, 6, 179, 106),
        StubStatus.parse(NGINX_PAGE));
  }

  static Stream<Arguments> goodPages() {
    return Stream.of(
        Arguments.of(
            "no trailing spaces",
            "Active connections: 1\nserver accepts handled requests\n 1 1 1\nReading: 0 Writing: 1 Waiting: 0\n",
            new StubStatus(1, 1, 1, 1, 0, 1, 0)),
        Arguments.of(
            "CRLF line ends (a proxy in between)",
            "Active connections: 2 \r\nserver accepts handled requests\r\n 3 3 4 \r\nReading: 0 Writing: 1 Waiting: 1 \r\n",
            new StubStatus(2, 3, 3, 4, 0, 1, 1)),
        Arguments.of(
            "no final newline",
            "Active connections: 0 \nserver accepts handled requests\n 0 0 0 \nReading: 0 Writing: 0 Waiting: 0 ",
            new StubStatus(0, 0, 0, 0, 0, 0, 0)),
        Arguments.of(
            "largest long counters",
            "Active connections: 1 \nserver accepts handled requests\n 9223372036854775807 9223372036854775807 9223372036854775807 \nReading: 0 Writing: 1 Waiting: 0 \n",
            new StubStatus(1, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, 0, 1, 0)),
        Arguments.of(
            "tabs between words",
            "Active connections:\t5\nserver accepts handled requests\n\t6 6 7\nReading: 1\tWriting: 2 Waiting: 2\n",
            new StubStatus(5, 6, 6, 7, 1, 2, 2)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("goodPages")
  void parsesVariantsNginxOrAProxyMayProduce(String name, String body, StubStatus expected) {
    assertEquals(expected, StubStatus.parse(body));
  }

  static Stream<Arguments> malformedPages() {
    return Stream.of(
        Arguments.of("empty", "", "empty body"),
        Arguments.of("only whitespace", " \n", "line 1: unexpected blank line"),
        Arguments.of(
            "html 404 page",
            "<html><head><title>404 Not Found</title></head></html>\n",
            "expected 4 lines, got 1 (first: '<html><head><title>404 Not Found</title></head></html>')"),
        Arguments.of(
            "truncated after two lines",
            "Active connections: 1 \nserver accepts handled requests\n",
            "expected 4 lines, got 2"),
        Arguments.of(
            "wrong first line",
            "Active conns: 1 \nserver accepts handled requests\n 1 1 1 \nReading: 0 Writing: 1 Waiting: 0 \n",
            "line 1: expected 'Active connections: N', got 'Active conns: 1'"),
        Arguments.of(
            "negative active",
            "Active connections: -1 \nserver accepts handled requests\n 1 1 1 \nReading: 0 Writing: 1 Waiting: 0 \n",
            "line 1: active connections is not a non-negative integer: '-1'"),
        Arguments.of(
            "header line changed",
            "Active connections: 1 \nserver accepts requests\n 1 1 1 \nReading: 0 Writing: 1 Waiting: 0 \n",
            "line 2: expected 'server accepts handled requests', got 'server accepts requests'"),
        Arguments.of(
            "two counters",
            "Active connections: 1 \nserver accepts handled requests\n 1 1 \nReading: 0 Writing: 1 Waiting: 0 \n",
            "line 3: expected 3 numbers (accepts handled requests), got '1 1'"),
        Arguments.of(
            "counter with letters",
            "Active connections: 1 \nserver accepts handled requests\n 1 1x 1 \nReading: 0 Writing: 1 Waiting: 0 \n",
            "line 3: handled is not a non-negative integer: '1x'"),
        Arguments.of(
            "decimal counter",
            "Active connections: 1 \nserver accepts handled requests\n 1 1 1.5 \nReading: 0 Writing: 1 Waiting: 0 \n",
            "line 3: requests is not a non-negative integer: '1.5'"),
        Arguments.of(
            "counter past a long",
            "Active connections: 1 \nserver accepts handled requests\n 9223372036854775808 1 1 \nReading: 0 Writing: 1 Waiting: 0 \n",
            "line 3: accepts is too large: '9223372036854775808'"),
        Arguments.of(
            "counter of 40 digits",
            "Active connections: 1 \nserver accepts handled requests\n 1234567890123456789012345678901234567890 1 1 \nReading: 0 Writing: 1 Waiting: 0 \n",
            "line 3: accepts is not a non-negative integer"),
        Arguments.of(
            "state names swapped",
            "Active connections: 1 \nserver accepts handled requests\n 1 1 1 \nWriting: 0 Reading: 1 Waiting: 0 \n",
            "line 4: expected 'Reading: N Writing: N Waiting: N', got 'Writing: 0 Reading: 1 Waiting: 0'"),
        Arguments.of(
            "state missing",
            "Active connections: 1 \nserver accepts handled requests\n 1 1 1 \nReading: 0 Writing: 1 \n",
            "line 4: expected 'Reading: N Writing: N Waiting: N'"),
        Arguments.of(
            "state not a number",
            "Active connections: 1 \nserver accepts handled requests\n 1 1 1 \nReading: 0 Writing: one Waiting: 0 \n",
            "line 4: Writing is not a non-negative integer: 'one'"),
        Arguments.of(
            "blank line inside",
            "Active connections: 1 \n\nserver accepts handled requests\n 1 1 1 \nReading: 0 Writing: 1 Waiting: 0 \n",
            "line 2: unexpected blank line"),
        Arguments.of(
            "trailing garbage",
            NGINX_PAGE + "extra\n",
            "line 5: unexpected text after the 4 stub_status lines: 'extra'"),
        Arguments.of(
            "control characters are shown escaped",
            "\u0001\u0002 garbage\n",
            "(first: '\\x01\\x02 garbage')"),
        Arguments.of(
            "huge body",
            "x".repeat(StubStatus.MAX_LENGTH + 1),
            "body is 4097 characters; a stub_status page is under 200"),
        Arguments.of(
            "plus sign is not a digit",
            "Active connections: +1 \nserver accepts handled requests\n 1 1 1 \nReading: 0 Writing: 1 Waiting: 0 \n",
            "line 1: active connections is not a non-negative integer: '+1'"),
        Arguments.of(
            "unicode digits are not digits",
            "Active connections: \u0661 \nserver accepts handled requests\n 1 1 1 \nReading: 0 Writing: 1 Waiting: 0 \n",
            "line 1: active connections is not a non-negative integer"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedPages")
  void rejectsMalformedPagesWithAPreciseReason(String name, String body, String expectedReason) {
    StubStatusFormatException e =
        assertThrows(StubStatusFormatException.class, () -> StubStatus.parse(body));
    assertTrue(
        e.getMessage().contains(expectedReason),
        () -> "reason was: " + e.getMessage() + "\nexpected it to contain: " + expectedReason);
  }
}
