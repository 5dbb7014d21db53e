package io.keepwatch.probes;

/**
 * Outside input shown in a message: quoted, cut to a length, control characters made visible. The
 * one escaper of keepwatch: the log, /check, /status, the status page and the CLI all show outside
 * text through {@link #escaped}, so ESC, BEL, CR and C1 controls never reach a terminal or a
 * journal raw, and every other character (any language's letters) is kept as it is.
 */
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

  /**
   * {@code text} with each control character (C0, DEL and C1: U+0000-001F, U+007F-009F) written as
   * {@code \xNN}: one line, nothing hidden, nothing a terminal acts on. Idempotent: escaped text
   * holds no control character.
   */
  public static String escaped(String text) {
    if (text.chars().noneMatch(Character::isISOControl)) {
      return text; // the common case, without a copy
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c)) {
        out.append(String.format("\\x%02x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
