package io.keepwatch.agent.endpoints;

import io.netty.channel.unix.Errors;
import java.io.IOException;
import java.net.BindException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * An endpoint that cannot start: which configuration key, what went wrong in words, and what kind
 * of trouble it is (the CLI turns the kind into an exit code). The message never holds a Java class
 * name.
 */
public final class StartFailure extends IOException {

  private static final long serialVersionUID = 1L;

  /** What kind of trouble; decides the exit code of {@code keepwatch run}. */
  public enum Kind {
    /** Someone else has the address or socket: may pass once they are gone. */
    IN_USE,
    /** The address is on no interface of this host (yet). */
    NOT_AVAILABLE,
    /** The operating system said no: a privileged port, a directory not ours. */
    PERMISSION,
    /** A file or directory is missing or in the way. */
    CANNOT_CREATE,
    /** What the configuration names cannot be used (e.g. the web config's certificate). */
    CONFIG
  }

  // errno values (Linux, asm-generic/errno-base.h and errno.h): this build is Linux-only (epoll).
  private static final int EPERM = 1;
  private static final int ENOENT = 2;
  private static final int EACCES = 13;
  private static final int EADDRINUSE = 98;
  private static final int EADDRNOTAVAIL = 99;

  private final String key;
  private final Kind kind;
  private final String subject;
  private final String why;

  /**
   * @param key the configuration key whose value could not be used, e.g. keepwatch.http.listen
   * @param kind what kind of trouble
   * @param subject what could not be done, naming the address or path: "cannot listen on
   *     127.0.0.1:9523"
   * @param why why, in words
   */
  public StartFailure(String key, Kind kind, String subject, String why, Throwable cause) {
    super(subject + ": " + why, cause);
    this.key = key;
    this.kind = kind;
    this.subject = subject;
    this.why = why;
  }

  /** What could not be done, naming the address or path. */
  public String subject() {
    return subject;
  }

  /** Why, in words. */
  public String why() {
    return why;
  }

  /** "cannot listen on ADDRESS: WHY" for a failed TCP bind, with a hint where one helps. */
  static StartFailure listening(String key, String address, int port, Throwable cause) {
    Kind kind = kindOf(cause);
    String why =
        switch (kind) {
          case IN_USE ->
              "the address is already in use (another keepwatch, or another program: ss -ltnp 'sport = :"
                  + port
                  + "')";
          case NOT_AVAILABLE -> "no network interface of this host has that address";
          case PERMISSION ->
              port < 1024
                  ? "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
                  : "permission denied";
          case CANNOT_CREATE, CONFIG -> reason(cause);
        };
    return new StartFailure(key, kind, "cannot listen on " + address, why, cause);
  }

  /** The configuration key whose value could not be used. */
  public String key() {
    return key;
  }

  public Kind kind() {
    return kind;
  }

  /** Classifies an operating-system failure by its errno, or the JDK exception that carries it. */
  static Kind kindOf(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof Errors.NativeIoException nativeIo) {
        Kind byErrno =
            switch (-nativeIo.expectedErr()) {
              case EADDRINUSE -> Kind.IN_USE;
              case EADDRNOTAVAIL -> Kind.NOT_AVAILABLE;
              case EACCES, EPERM -> Kind.PERMISSION;
              case ENOENT -> Kind.CANNOT_CREATE;
              default -> null;
            };
        if (byErrno != null) {
          return byErrno;
        }
      }
      if (t instanceof AccessDeniedException) {
        return Kind.PERMISSION;
      }
      if (t instanceof NoSuchFileException) {
        return Kind.CANNOT_CREATE;
      }
      String message = String.valueOf(t.getMessage());
      if (t instanceof BindException || message.contains("Address already in use")) {
        return message.contains("Cannot assign requested address")
            ? Kind.NOT_AVAILABLE
            : Kind.IN_USE;
      }
      if (message.contains("Cannot assign requested address")) {
        return Kind.NOT_AVAILABLE;
      }
      if (message.contains("Permission denied") || message.contains("Operation not permitted")) {
        return Kind.PERMISSION;
      }
    }
    return Kind.CANNOT_CREATE;
  }

  /**
   * What the operating system said, in its words, without the Java exception's name (Netty's
   * "bind(..) failed: " prefix dropped too).
   */
  static String reason(Throwable failure) {
    if (failure instanceof AccessDeniedException denied) {
      return denied.getFile() + ": permission denied";
    }
    if (failure instanceof NoSuchFileException missing) {
      return missing.getFile() + ": no such file or directory";
    }
    if (failure instanceof FileAlreadyExistsException exists) {
      return exists.getFile() + ": exists and is not a directory";
    }
    if (failure instanceof FileSystemException other) {
      return other.getFile() + ": " + (other.getReason() == null ? "failed" : other.getReason());
    }
    String message = failure.getMessage();
    if (message == null) {
      return failure.getCause() != null
          ? reason(failure.getCause())
          : io.keepwatch.probes.Printable.reason(failure);
    }
    return message.replaceFirst("^\\w+\\(\\.\\.\\) failed: ", "");
  }
}
