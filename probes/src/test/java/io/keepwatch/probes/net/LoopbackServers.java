package io.keepwatch.probes.net;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Real servers on 127.0.0.1, port 0, for probe tests; closes everything it started. */
final class LoopbackServers implements AutoCloseable {

  /** 127.0.0.1, written as such in messages (getLoopbackAddress() would say "localhost"). */
  static final InetAddress IPV4_LOOPBACK = ipv4Loopback();

  private static InetAddress ipv4Loopback() {
    try {
      return InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1});
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError("a literal address needs no lookup", e);
    }
  }

  private final List<AutoCloseable> open = new ArrayList<>();

  /** An HTTP server answering every request with this status, body and Host echo header. */
  InetSocketAddress http(int status, String body) throws IOException {
    return http(status, body, "");
  }

  /** The same, with a Location header when {@code location} is not "". */
  InetSocketAddress http(int status, String body, String location) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    server.createContext(
        "/",
        exchange -> {
          byte[] bytes =
              body.replace("{host}", exchange.getRequestHeaders().getFirst("Host"))
                  .getBytes(StandardCharsets.UTF_8);
          if (!location.isEmpty()) {
            exchange.getResponseHeaders().set("Location", location);
          }
          exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
          }
        });
    server.start();
    open.add(() -> server.stop(0));
    return server.getAddress();
  }

  /** A server that accepts connections and never answers: a hung nginx. */
  InetSocketAddress silent() throws IOException {
    ServerSocket socket = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
    open.add(socket);
    return new InetSocketAddress(IPV4_LOOPBACK, socket.getLocalPort());
  }

  /** A server that writes these raw bytes to each connection and closes it. */
  InetSocketAddress raw(String reply) throws IOException {
    ServerSocket socket = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
    open.add(socket);
    Thread thread =
        new Thread(
            () -> {
              while (!socket.isClosed()) {
                try (Socket client = socket.accept()) {
                  client.getInputStream().read(new byte[4096]);
                  client.getOutputStream().write(reply.getBytes(StandardCharsets.ISO_8859_1));
                } catch (IOException closed) {
                  return;
                }
              }
            },
            "raw-server");
    thread.setDaemon(true);
    thread.start();
    return new InetSocketAddress(IPV4_LOOPBACK, socket.getLocalPort());
  }

  /** A loopback port with nothing listening (bound, then released). */
  static InetSocketAddress closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return new InetSocketAddress(IPV4_LOOPBACK, socket.getLocalPort());
    }
  }

  @Override
  public void close() throws IOException {
    for (AutoCloseable c : open) {
      try {
        c.close();
      } catch (Exception e) {
        throw new IOException("closing a test server", e);
      }
    }
  }
}
