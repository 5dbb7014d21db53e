package io.keepwatch.agent.endpoints;

import io.keepwatch.agent.verdict.CheckAnswer;
import io.keepwatch.agent.verdict.Snapshot;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Answers the read-only endpoints from the latest {@link Snapshot}: GET and HEAD of /check,
 * /status and /. Unknown paths get 404, other methods 405. HTTP/1.0 and 1.1, keep-alive as the
 * client asks. Stateless, so one instance serves every connection.
 */
@Sharable
public final class EndpointHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  private static final Logger LOG = Logger.getLogger(EndpointHandler.class.getName());
  private static final String TEXT = "text/plain; charset=utf-8";

  private final Supplier<Snapshot> snapshots;
  private final AgentInfo info;

  public EndpointHandler(Supplier<Snapshot> snapshots, AgentInfo info) {
    this.snapshots = snapshots;
    this.info = info;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (request.decoderResult().isFailure()) {
      // Malformed or oversized request line or headers: say so and hang up.
      Throwable cause = request.decoderResult().cause();
      String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
      respond(ctx, request, HttpResponseStatus.BAD_REQUEST, TEXT, text("bad request: " + why), false);
      return;
    }
    String path = new QueryStringDecoder(request.uri()).path();
    boolean known = path.equals("/check") || path.equals("/status") || path.equals("/");
    if (!known) {
      respond(ctx, request, HttpResponseStatus.NOT_FOUND, TEXT, text("no such endpoint: " + path), true);
      return;
    }
    HttpMethod method = request.method();
    if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
      FullHttpResponse refusal = response(request, HttpResponseStatus.METHOD_NOT_ALLOWED, TEXT,
          text(method + " is not allowed on " + path + "; this endpoint is read-only"));
      refusal.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
      send(ctx, request, refusal, true);
      return;
    }
    Snapshot snapshot = snapshots.get();
    switch (path) {
      case "/check" -> {
        CheckAnswer answer = snapshot.answer();
        HttpResponseStatus status = answer.up() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE;
        respond(ctx, request, status, TEXT, answer.body(), true);
      }
      case "/status" -> respond(ctx, request, HttpResponseStatus.OK, "application/json",
          StatusDocuments.json(snapshot, info).getBytes(StandardCharsets.UTF_8), true);
      default -> respond(ctx, request, HttpResponseStatus.OK, "text/html; charset=utf-8",
          StatusDocuments.html(snapshot, info).getBytes(StandardCharsets.UTF_8), true);
    }
  }

  private static byte[] text(String line) {
    return (line + "\n").getBytes(StandardCharsets.UTF_8);
  }

  private static FullHttpResponse response(
      FullHttpRequest request, HttpResponseStatus status, String contentType, byte[] body) {
    boolean head = request.method().equals(HttpMethod.HEAD);
    // Answer in the client's version; anything unusual, or a request too broken to have a
    // version (Netty then says 1.0), gets 1.1.
    boolean http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0) && request.decoderResult().isSuccess();
    HttpVersion version = http10 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1;
    FullHttpResponse response = new DefaultFullHttpResponse(
        version, status, head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, contentType)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    return response;
  }

  private static void respond(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status,
      String contentType, byte[] body, boolean mayKeepAlive) {
    send(ctx, request, response(request, status, contentType, body), mayKeepAlive);
  }

  private static void send(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response,
      boolean mayKeepAlive) {
    boolean keepAlive = mayKeepAlive && HttpUtil.isKeepAlive(request);
    HttpUtil.setKeepAlive(response, keepAlive);
    var written = ctx.writeAndFlush(response);
    if (!keepAlive) {
      written.addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A client that resets its connection or goes idle is routine; anything else is worth a line.
    boolean routine = cause instanceof IOException || cause instanceof ReadTimeoutException;
    Level level = routine ? Level.FINE : Level.WARNING;
    LOG.log(level, "endpoint connection from " + ctx.channel().remoteAddress() + " failed: " + cause);
    ctx.close();
  }
}
