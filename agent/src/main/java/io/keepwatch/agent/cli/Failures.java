package io.keepwatch.agent.cli;

import java.net.ConnectException;
import java.net.SocketException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/** Says what went wrong in words, never with a Java class name (an operator reads these). */
final class Failures {

  private Failures() {}

  static String describe(Throwable failure) {
    if (failure instanceof HttpConnectTimeoutException) {
      return "no connection within the time allowed";
    }
    if (failure instanceof HttpTimeoutException) {
      return "no answer within the time allowed";
    }
    if (failure instanceof ConnectException) {
      return "connection refused (is keepwatch running? systemctl status keepwatch)";
    }
    if (failure instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (failure instanceof NoSuchFileException) {
      return "no such file (is keepwatch running? systemctl status keepwatch)";
    }
    if (failure instanceof UnresolvedAddressException) {
      return "the host name does not resolve";
    }
    String message = failure.getMessage();
    if (message == null || message.isBlank()) {
      return failure.getCause() != null
          ? describe(failure.getCause())
          : io.keepwatch.probes.Printable.reason(failure);
    }
    // A cause's toString() in the message starts with its class name: drop it.
    message = message.replaceAll("(?:[a-z]\\w*\\.)+[A-Z]\\w*(?:Exception|Error): ", "");
    if (failure instanceof SocketException && message.contains("No such file or directory")) {
      return "no such file (is keepwatch running? systemctl status keepwatch)";
    }
    return message;
  }
}
