package io.keepwatch.agent.endpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.epoll.EpollEventLoopGroup;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile clients against the real endpoint on a loopback socket: idle and trickling connections
 * (slowloris), oversized and garbage requests. Limits are small here (16 connections, a 300 ms
 * request deadline) so the test is quick; the pipeline is the production one.
 */
@Timeout(30)
class EndpointAbuseTest {

  static final int LIMIT = 16;
  static final long DEADLINE_MS = 300;

  final EndpointFixture fixture = new EndpointFixture();
  final EpollEventLoopGroup loop = new EpollEventLoopGroup(1);
  final List<Socket> sockets = new ArrayList<>();
  EndpointInitializer pipeline;
  HttpEndpoint endpoint;

  @BeforeEach
  void start() throws IOException {
    pipeline = new EndpointInitializer(fixture.handler, LIMIT, DEADLINE_MS);
    endpoint =
        HttpEndpoint.bind(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), loop, pipeline);
  }

  @AfterEach
  void stop() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
    endpoint.close();
    loop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    fixture.close();
  }

  Socket connect() throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), endpoint.port());
    s.setSoTimeout(5000);
    sockets.add(s);
    return s;
  }

  /** Sends bytes and reads the answer until the server closes or 5 s pass. */
  String exchange(String request) throws IOException {
    Socket s = connect();
    s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
    return readToClose(s);
  }

  static String readToClose(Socket s) throws IOException {
    StringBuilder out = new StringBuilder();
    byte[] buf = new byte[4096];
    InputStream in = s.getInputStream();
    try {
      for (int n; (n = in.read(buf)) > 0; ) {
        out.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
      }
    } catch (SocketException reset) {
      // a close with unread input arrives as a reset: what was read before it counts
    }
    return out.toString();
  }

  /** True when the server closed the connection (EOF or reset) within the socket's timeout. */
  static boolean closedByServer(Socket s) throws IOException {
    try {
      return s.getInputStream().read() == -1;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (SocketException reset) {
      return true;
    }
  }

  String check() throws IOException {
    return exchange("GET /check HTTP/1.0\r\n\r\n");
  }

  @Test
  void slowlorisCannotLockTheCheckOut() throws IOException {
    // Three times the limit of connections that started a request and stalled.
    List<Socket> stalled = new ArrayList<>();
    for (int i = 0; i < 3 * LIMIT; i++) {
      Socket s = connect();
      s.getOutputStream().write("GET /check HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
      stalled.add(s);
    }
    // keepalived's check still gets its answer at once.
    assertTrue(check().startsWith("HTTP/1.0 200 OK"), "check answered while flooded");
    // Every stalled connection is closed: the oldest pushed out, the rest at the request deadline.
    for (Socket s : stalled) {
      s.setSoTimeout((int) (DEADLINE_MS * 10));
      assertTrue(closedByServer(s), "a stalled connection stayed open");
    }
    assertTrue(
        pipeline.evictedConnections() >= 2L * LIMIT, "evicted: " + pipeline.evictedConnections());
    String metrics = new String(fixture.metrics.scrape(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(
        metrics.contains(
            "keepwatch_http_connections_evicted_total " + pipeline.evictedConnections() + ".0"),
        "the metric counts the evictions: "
            + metrics.lines().filter(l -> l.contains("evicted")).toList());
  }

  @Test
  void tricklingOneByteAtATimeIsCutAtTheDeadline() throws Exception {
    Socket s = connect();
    byte[] request =
        "GET /check HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    long start = System.nanoTime();
    boolean cut = false;
    for (int i = 0; i < request.length && !cut; i++) {
      try {
        s.getOutputStream().write(request[i]);
        s.getOutputStream().flush();
      } catch (SocketException closed) {
        cut = true;
      }
      Thread.sleep(50); // 50 ms a byte: the whole request would take about 4 s
      cut = cut || (s.getInputStream().available() == 0 && isClosed(s));
    }
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertTrue(cut, "the trickling request was never cut");
    assertTrue(elapsedMs < 3000, "cut after " + elapsedMs + " ms, deadline " + DEADLINE_MS + " ms");
  }

  private static boolean isClosed(Socket s) throws IOException {
    int old = s.getSoTimeout();
    s.setSoTimeout(1);
    try {
      return s.getInputStream().read() == -1;
    } catch (SocketTimeoutException open) {
      return false;
    } catch (SocketException reset) {
      return true;
    } finally {
      s.setSoTimeout(old);
    }
  }

  @Test
  void documentsMoveToTheirOwnLoopAndTheConnectionKeepsWorking() throws Exception {
    EpollEventLoopGroup documents = new EpollEventLoopGroup(1);
    HttpEndpoint laned =
        HttpEndpoint.bind(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            loop,
            new EndpointInitializer(
                new EndpointHandler(
                    fixture.handlerSources(),
                    java.util.Optional.empty(),
                    java.util.Optional.of(documents.next())),
                LIMIT,
                DEADLINE_MS));
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), laned.port())) {
      s.setSoTimeout(5000);
      // Keep-alive: a document (moves the connection), another, then /check on the same connection.
      for (String path : List.of("/status", "/metrics", "/check")) {
        s.getOutputStream()
            .write(
                ("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        String head = readResponse(s);
        assertTrue(head.startsWith("HTTP/1.1 200 OK"), path + ": " + head);
      }
    } finally {
      laned.close();
      documents
          .shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS)
          .syncUninterruptibly();
    }
  }

  /** Reads one response with a content-length body; returns its head. */
  static String readResponse(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("closed after " + head);
      }
      head.append((char) c);
    }
    java.util.regex.Matcher length =
        java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
    assertTrue(length.find(), head.toString());
    in.readNBytes(Integer.parseInt(length.group(1)));
    return head.toString();
  }

  @Test
  void oversizedAndGarbageRequestsGetAReasonAndAHangUp() throws IOException {
    String longLine = exchange("GET /" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    assertTrue(longLine.startsWith("HTTP/1.1 400 Bad Request"), longLine);
    assertTrue(longLine.contains("An HTTP line is larger than 4096 bytes"), longLine);

    String bigHeader =
        exchange("GET /check HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(9000) + "\r\n\r\n");
    assertTrue(bigHeader.startsWith("HTTP/1.1 400 Bad Request"), bigHeader);
    assertTrue(bigHeader.contains("larger than 8192 bytes"), bigHeader);

    String bigBody =
        exchange(
            "POST /check HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + "c".repeat(9000));
    assertTrue(bigBody.startsWith("HTTP/1.1 413"), bigBody);

    String binary = exchange("\u0000\u0001\u00ff\u00fe\r\n\r\n");
    assertTrue(binary.startsWith("HTTP/1.1 400 Bad Request"), binary);

    // None of it cost the agent anything: the next check is answered as ever.
    assertTrue(check().startsWith("HTTP/1.0 200 OK"));
    assertEquals(0, pipeline.evictedConnections());
  }
}
