package io.keepwatch.probes;

/** Outside input shown in a message: quoted, cut to a length, control characters made visible. */
public final class Printable {

  private Printable() {}

  /**
   * The first {@code max} characters of {@code text} in single quotes, each control character
   * written as {@code \xNN}, and "..." before the closing quote when the text was longer.
   */
  public static String quoted(String text, int max) {
    String shown = escaped(text.length() > max ? text.substring(0, max) : text);
    return "'" + shown + (text.length() > max ? "...'" : "'");
  }

  /**
   * What went wrong, in words: the exception's message, or when it has none (Java often leaves it
   * empty) its type said in words, "ClosedChannelException" as "closed channel".
   */
  public static String reason(Throwable cause) {
    String message = cause.getMessage();
    if (message != null && !message.isBlank()) {
      return message;
    }
    String type = cause.getClass().getSimpleName().replaceFirst("(Exception|Error)$", "");
    String words = type.replaceAll("([a-z0-9])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT);
    return words.isBlank() ? "unknown error" : words;
  }

  /** {@code text} with each control character written as {@code \xNN}: one line, nothing hidden. */
  public static String escaped(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      out.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
    }
    return out.toString();
  }
}
