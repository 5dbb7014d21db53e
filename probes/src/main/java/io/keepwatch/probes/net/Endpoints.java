package io.keepwatch.probes.net;

import io.keepwatch.probes.Printable;
import io.keepwatch.probes.ProbeResult;
import io.keepwatch.probes.ProbeResult.Outcome;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ConnectTimeoutException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Messages about network endpoints, shared by the tcp and http probes. */
final class Endpoints {

  private Endpoints() {}

  /** "127.0.0.1:80", "[::1]:80" or "localhost:80": what the operator wrote, without a slash. */
  static String describe(InetSocketAddress address) {
    String host = address.getHostString();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
  }

  /** The result for a connection that could not be made. */
  static ProbeResult connectFailed(InetSocketAddress address, Duration timeout, Throwable cause) {
    if (cause instanceof ConnectTimeoutException) {
      return ProbeResult.failed(
          Outcome.TIMEOUT,
          "connect to " + describe(address) + ": timeout after " + timeout.toMillis() + " ms");
    }
    return ProbeResult.failed(
        Outcome.CONNECT_FAILED, "connect to " + describe(address) + ": " + reason(cause));
  }

  /** Closes the connection once the probe's result is known, whichever side completed it. */
  static void closeWhenDone(CompletableFuture<ProbeResult> result, ChannelFuture connect) {
    var unused =
        result.whenComplete(
            (r, e) -> {
              var unusedClose = connect.channel().close(); // nothing to wait for: the result is in
            });
  }

  /** The exception's own words without Netty's appended address. */
  static String reason(Throwable cause) {
    String message = Printable.reason(cause);
    // Netty appends ": host/1.2.3.4:80" to connect errors; the message already names the address.
    return message.replaceFirst(": [^ ]*/[^ /]+:\\d+$", "");
  }
}
