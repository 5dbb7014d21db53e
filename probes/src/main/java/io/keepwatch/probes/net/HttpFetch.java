package io.keepwatch.probes.net;

import io.keepwatch.probes.ProbeResult;
import io.keepwatch.probes.ProbeResult.Outcome;
import io.keepwatch.probes.VmErrors;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import javax.net.ssl.SSLException;

/**
 * One HTTP/1.1 GET per call, on a Netty event loop, with {@code Connection: close}. Shared by the
 * http and stub-status probes: it fetches, the caller's {@code judge} decides. Connection and
 * protocol failures become failed results here, so a judge only ever sees a complete reply.
 */
public final class HttpFetch {

  /**
   * A complete reply: status code, body (decoded as UTF-8, bad bytes replaced), and the Location
   * header ("" when there is none).
   */
  public record Reply(int status, String body, String location) {}

  private final HttpTarget target;
  private final Duration timeout;
  private final int maxBodyBytes;
  private final Bootstrap bootstrap;
  private final SslContext ssl;

  /**
   * @param group the event loop the probes share
   * @param target where to connect and what to ask for
   * @param timeout the connect timeout (the whole exchange is bounded by {@code TimeBoundProbe})
   * @param maxBodyBytes a larger body fails the check instead of filling memory
   * @param verifyTls whether https checks the certificate chain; health checks usually go to
   *     127.0.0.1, where the certificate's names never match, so this is off by default
   */
  public HttpFetch(
      EventLoopGroup group,
      HttpTarget target,
      Duration timeout,
      int maxBodyBytes,
      boolean verifyTls) {
    this.target = target;
    this.timeout = timeout;
    this.maxBodyBytes = maxBodyBytes;
    this.ssl = target.tls() ? sslContext(verifyTls) : null;
    this.bootstrap =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, timeout.toMillis()));
  }

  public HttpTarget target() {
    return target;
  }

  /** Sends the GET; the future completes with {@code judge}'s verdict or a failure. */
  public CompletableFuture<ProbeResult> get(Function<Reply, ProbeResult> judge) {
    CompletableFuture<ProbeResult> result = new CompletableFuture<>();
    Bootstrap attempt =
        bootstrap
            .clone()
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    if (ssl != null) {
                      ch.pipeline()
                          .addLast(
                              ssl.newHandler(
                                  ch.alloc(), target.tlsServerName(), target.address().getPort()));
                    }
                    ch.pipeline()
                        .addLast(new HttpClientCodec())
                        .addLast(new HttpObjectAggregator(maxBodyBytes))
                        .addLast(new ReplyHandler(result, judge));
                  }
                });
    ChannelFuture connect = attempt.connect(target.address());
    Endpoints.closeWhenDone(result, connect);
    connect.addListener(
        f -> {
          if (f.isSuccess()) {
            // A request that cannot be sent fails now, with its cause, not later as a timeout.
            var unused =
                connect
                    .channel()
                    .writeAndFlush(request())
                    .addListener(
                        sent -> {
                          if (!sent.isSuccess()) {
                            result.complete(
                                ProbeResult.failed(
                                    Outcome.CONNECT_FAILED,
                                    "GET "
                                        + target.url()
                                        + ": sending the request: "
                                        + Endpoints.reason(sent.cause())));
                          }
                        });
          } else {
            result.complete(Endpoints.connectFailed(target.address(), timeout, f.cause()));
          }
        });
    return result;
  }

  private FullHttpRequest request() {
    FullHttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, target.requestTarget());
    request.headers().set(HttpHeaderNames.HOST, target.hostHeader());
    request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    request.headers().set(HttpHeaderNames.USER_AGENT, "keepwatch");
    request.headers().set(HttpHeaderNames.ACCEPT, "*/*");
    return request;
  }

  private static SslContext sslContext(boolean verify) {
    try {
      SslContextBuilder builder = SslContextBuilder.forClient();
      if (!verify) {
        builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
      }
      return builder.build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot set up TLS for the http probe: " + e.getMessage(), e);
    }
  }

  /** Turns what arrives on the connection into exactly one completion of the result. */
  private final class ReplyHandler extends SimpleChannelInboundHandler<FullHttpResponse> {

    private final CompletableFuture<ProbeResult> result;
    private final Function<Reply, ProbeResult> judge;

    ReplyHandler(CompletableFuture<ProbeResult> result, Function<Reply, ProbeResult> judge) {
      this.result = result;
      this.judge = judge;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
      if (response.decoderResult().isFailure()) {
        result.complete(
            badResponse(
                "not a valid HTTP response: "
                    + Endpoints.reason(response.decoderResult().cause())));
        return;
      }
      Reply reply =
          new Reply(
              response.status().code(),
              response.content().toString(StandardCharsets.UTF_8),
              response.headers().get(HttpHeaderNames.LOCATION, ""));
      ProbeResult judged;
      try {
        judged = judge.apply(reply);
      } catch (RuntimeException e) {
        judged = ProbeResult.failed(Outcome.ERROR, "judging the reply failed: " + e);
      }
      result.complete(judged);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      result.complete(badResponse("connection closed before a complete response"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      VmErrors.passOn(cause);
      if (cause instanceof TooLongFrameException) {
        result.complete(badResponse("response larger than " + maxBodyBytes + " bytes"));
      } else {
        result.complete(
            ProbeResult.failed(
                Outcome.CONNECT_FAILED, "GET " + target.url() + ": " + Endpoints.reason(cause)));
      }
      var unused = ctx.close();
    }

    private ProbeResult badResponse(String why) {
      return ProbeResult.failed(Outcome.BAD_RESPONSE, "GET " + target.url() + ": " + why);
    }
  }
}
