package io.keepwatch.probes.net;

/**
 * An inclusive range of HTTP status codes, written "200-399" or "200".
 *
 * @param low the lowest accepted status
 * @param high the highest accepted status
 */
public record StatusRange(int low, int high) {

  public StatusRange {
    if (low < 100 || high > 599 || low > high) {
      throw new IllegalArgumentException(
          "status range must lie within 100-599 with low <= high, got " + low + "-" + high);
    }
  }

  /**
   * Parses "200-399" or "204".
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static StatusRange parse(String text) {
    String[] parts = text.strip().split("-", -1);
    try {
      if (parts.length == 1) {
        int code = Integer.parseInt(parts[0].strip());
        return new StatusRange(code, code);
      }
      if (parts.length == 2) {
        return new StatusRange(
            Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip()));
      }
    } catch (NumberFormatException e) {
      // fall through to the message below
    }
    throw new IllegalArgumentException(
        "status range '" + text + "' must be a code like 200 or a range like 200-399");
  }

  public boolean contains(int status) {
    return status >= low && status <= high;
  }

  @Override
  public String toString() {
    return low == high ? Integer.toString(low) : low + "-" + high;
  }
}
