package io.keepwatch.agent.endpoints;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.security.crypto.bcrypt.BCrypt;

/**
 * HTTP basic authentication (RFC 7617) against bcrypt hashes, as the exporter-toolkit does it. A
 * bcrypt check costs tens of milliseconds by design, so a pair that passed once is remembered (by a
 * SHA-256 of user and password, never the password itself) and a scrape every few seconds costs one
 * hash; an unknown user is checked against a stand-in hash, so the answer takes as long as for a
 * known one. Used on one event loop only.
 */
final class BasicAuth {

  /** The header value a 401 carries (RFC 7617 section 2). */
  static final String CHALLENGE = "Basic realm=\"keepwatch\", charset=\"UTF-8\"";

  /** A bcrypt hash of nothing anyone types, to spend the same time on unknown users. */
  private static final class StandIn {
    static final String HASH =
        BCrypt.hashpw(java.util.UUID.randomUUID().toString(), BCrypt.gensalt(10));
  }

  /** Remembered good pairs; few clients scrape, so a small bound is plenty. */
  private static final int REMEMBERED = 16;

  /** The outcome of one request's credentials. */
  enum Verdict {
    /** No users configured: nothing to check. */
    OPEN,
    ALLOWED,
    /** No (or no Basic) Authorization header. */
    MISSING,
    /** A user or password that does not match. */
    WRONG
  }

  private final Map<String, String> users;
  private final Map<String, Boolean> passed =
      new LinkedHashMap<>(REMEMBERED, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > REMEMBERED;
        }
      };

  /**
   * @param users user name to bcrypt hash; empty for no authentication
   */
  BasicAuth(Map<String, String> users) {
    this.users = Map.copyOf(users);
  }

  /** Checks an Authorization header value (null when the request had none). */
  Verdict check(String authorization) {
    if (users.isEmpty()) {
      return Verdict.OPEN;
    }
    Optional<String[]> pair = decode(authorization);
    if (pair.isEmpty()) {
      return Verdict.MISSING;
    }
    String user = pair.get()[0];
    String password = pair.get()[1];
    String key = fingerprint(user, password);
    if (passed.containsKey(key)) {
      return Verdict.ALLOWED;
    }
    String hash = users.get(user);
    boolean ok = matches(password, hash == null ? StandIn.HASH : hash) && hash != null;
    if (ok) {
      passed.put(key, true);
    }
    return ok ? Verdict.ALLOWED : Verdict.WRONG;
  }

  private static boolean matches(String password, String hash) {
    try {
      return BCrypt.checkpw(password, hash);
    } catch (IllegalArgumentException e) { // e.g. a password over bcrypt's 72 bytes
      return false;
    }
  }

  /** "Basic base64(user:password)" into user and password; empty if it is not that. */
  static Optional<String[]> decode(String authorization) {
    if (authorization == null) {
      return Optional.empty();
    }
    String value = authorization.strip();
    if (value.length() < 6 || !value.regionMatches(true, 0, "Basic ", 0, 6)) {
      return Optional.empty();
    }
    String text;
    try {
      text =
          new String(
              Base64.getDecoder().decode(value.substring(6).strip()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    int colon = text.indexOf(':');
    return colon < 0
        ? Optional.empty()
        : Optional.of(new String[] {text.substring(0, colon), text.substring(colon + 1)});
  }

  private static String fingerprint(String user, String password) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(user.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(password.getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }
}
