package io.keepwatch.agent.endpoints;

import io.keepwatch.agent.metrics.KeepwatchMeters;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.Set;
import java.util.logging.Logger;
import javax.net.ssl.SSLException;

/**
 * The network listener's door, before the {@link EndpointHandler}: a request without valid basic
 * auth credentials (when users are configured) gets 401 and is counted; a path the operator did not
 * choose to serve gets 404, as if it did not exist. Requests the decoder could not parse pass on,
 * to be answered 400 as on every endpoint. Also counts failed TLS handshakes. One instance per
 * connection: it holds that connection's authentication settings.
 */
final class AccessGate extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = Logger.getLogger(AccessGate.class.getName());

  private final Set<String> served;
  private final BasicAuth auth;
  private final KeepwatchMeters meters;

  AccessGate(Set<String> served, BasicAuth auth, KeepwatchMeters meters) {
    this.served = served;
    this.auth = auth;
    this.meters = meters;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof FullHttpRequest request) || request.decoderResult().isFailure()) {
      ctx.fireChannelRead(msg);
      return;
    }
    String path;
    try {
      path = new QueryStringDecoder(request.uri()).path();
    } catch (IllegalArgumentException badEscape) {
      ctx.fireChannelRead(msg); // the endpoint answers 400
      return;
    }
    EndpointHandler.Asked asked = EndpointHandler.Asked.of(request);
    BasicAuth.Verdict verdict = auth.check(request.headers().get(HttpHeaderNames.AUTHORIZATION));
    if (verdict == BasicAuth.Verdict.MISSING || verdict == BasicAuth.Verdict.WRONG) {
      request.release();
      meters.authFailed(verdict == BasicAuth.Verdict.WRONG);
      FullHttpResponse refusal =
          EndpointHandler.response(
              asked,
              HttpResponseStatus.UNAUTHORIZED,
              EndpointHandler.TEXT,
              EndpointHandler.text(
                  verdict == BasicAuth.Verdict.WRONG
                      ? "wrong user or password"
                      : "this endpoint needs a user and password (HTTP basic auth)"));
      refusal.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, BasicAuth.CHALLENGE);
      EndpointHandler.send(ctx, asked, refusal, true);
      return;
    }
    if (!served.contains(path)) {
      request.release();
      EndpointHandler.send(
          ctx,
          asked,
          EndpointHandler.response(
              asked,
              HttpResponseStatus.NOT_FOUND,
              EndpointHandler.TEXT,
              EndpointHandler.text("no such endpoint: " + path)),
          true);
      return;
    }
    ctx.fireChannelRead(msg);
  }

  /**
   * A failed handshake (plain HTTP to the TLS port, an untrusted client certificate) is counted in
   * keepwatch_http_tls_handshake_failures_total; logging each would let any client flood the log.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof DecoderException && cause.getCause() instanceof SSLException) {
      LOG.fine(
          () ->
              "TLS with "
                  + ctx.channel().remoteAddress()
                  + " failed: "
                  + cause.getCause().getMessage());
      var unused = ctx.close();
      return;
    }
    ctx.fireExceptionCaught(cause);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
      meters.tlsHandshakeFailed();
    }
    ctx.fireUserEventTriggered(event);
  }
}
