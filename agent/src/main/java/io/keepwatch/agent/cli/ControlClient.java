package io.keepwatch.agent.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Sends one HTTP/1.0 request over the agent's unix control socket (JDK 16+ unix sockets). */
final class ControlClient {

  /**
   * For maintenance and reset: the agent answers within its own 10 s; this only guards against a
   * hung agent.
   */
  static final Duration TIMEOUT = Duration.ofSeconds(15);

  record Reply(int status, String body) {}

  private ControlClient() {}

  static Reply post(Path socket, String path, String form, Duration timeout) throws IOException {
    byte[] body = form.getBytes(StandardCharsets.UTF_8);
    String head =
        "POST "
            + path
            + " HTTP/1.0\r\n"
            + "Content-Type: application/x-www-form-urlencoded\r\n"
            + "Content-Length: "
            + body.length
            + "\r\n\r\n";
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      channel.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
      channel.write(ByteBuffer.wrap(body));
      CompletableFuture<byte[]> answer = CompletableFuture.supplyAsync(() -> readAll(channel));
      byte[] raw;
      try {
        raw = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new IOException("no answer within " + timeout.toSeconds() + " s");
      } catch (ExecutionException e) {
        throw new IOException(e.getCause().getMessage(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
      return parse(new String(raw, StandardCharsets.UTF_8));
    }
  }

  private static byte[] readAll(SocketChannel channel) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer buffer = ByteBuffer.allocate(4096);
    try {
      while (channel.read(buffer) >= 0) {
        out.write(buffer.array(), 0, buffer.position());
        buffer.clear();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static Reply parse(String raw) throws IOException {
    int end = raw.indexOf("\r\n\r\n");
    String[] statusLine = raw.lines().findFirst().orElse("").split(" ", 3);
    if (end < 0 || statusLine.length < 2 || !statusLine[0].startsWith("HTTP/")) {
      throw new IOException("not an HTTP answer: " + raw.lines().findFirst().orElse("(nothing)"));
    }
    try {
      return new Reply(Integer.parseInt(statusLine[1]), raw.substring(end + 4));
    } catch (NumberFormatException e) {
      throw new IOException("bad status line: " + raw.lines().findFirst().orElse(""));
    }
  }
}
