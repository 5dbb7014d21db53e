package io.keepwatch.agent.endpoints;

import io.keepwatch.agent.keepalived.KeepalivedView;
import io.keepwatch.agent.metrics.KeepwatchMeters;
import io.keepwatch.agent.metrics.MetricsEndpoint;
import io.keepwatch.agent.supervisor.ActionRecord;
import io.keepwatch.agent.supervisor.OperatorControl;
import io.keepwatch.agent.verdict.CheckAnswer;
import io.keepwatch.agent.verdict.Snapshot;
import io.keepwatch.probes.Printable;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.PrematureChannelClosureException;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Answers the endpoints from the latest {@link Snapshot}: GET and HEAD of /check, /status, /metrics
 * and /. With an {@link OperatorControl} (the unix control socket only) also POST /maintenance and
 * POST /reset, and with a {@link ReloadControl} POST /reload; without them (TCP) every POST is
 * refused with 405, so nothing that changes state is reachable over the network. Unknown paths get
 * 404. HTTP/1.0 and 1.1, keep-alive as the client asks. Stateless, so one instance serves every
 * connection of its transport.
 */
@Sharable
public final class EndpointHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  private static final Logger LOG = Logger.getLogger(EndpointHandler.class.getName());
  static final String TEXT = "text/plain; charset=utf-8";
  private static final long CONTROL_TIMEOUT_SECONDS = 10;

  /**
   * A reload waits up to 10 s for the new probes' verdict and lets a running nginx restart finish
   * (nginx.command-timeout, 30 s by default) before it swaps: its answer may take that long. The
   * unit's TimeoutStartSec, which also bounds ExecReload, is above this.
   */
  static final long RELOAD_TIMEOUT_SECONDS = 60;

  /** What the endpoints read: all of it precomputed or cheap, none of it probes nginx. */
  public record Sources(
      Supplier<Snapshot> snapshots,
      Supplier<List<ActionRecord>> actions,
      Supplier<KeepalivedView> keepalived,
      AgentInfo info,
      MetricsEndpoint metrics,
      KeepwatchMeters meters) {}

  private static final long WARNING_EVERY_NANOS = 1_000_000_000L;
  private final java.util.concurrent.atomic.AtomicLong lastWarningNanos =
      new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - WARNING_EVERY_NANOS);

  private final Sources sources;
  private final Optional<OperatorControl> control;
  private final Optional<ReloadControl> reload;
  private final Optional<EventLoop> slowLane;

  public EndpointHandler(Sources sources, Optional<OperatorControl> control) {
    this(sources, control, Optional.empty(), Optional.empty());
  }

  public EndpointHandler(
      Sources sources, Optional<OperatorControl> control, Optional<EventLoop> slowLane) {
    this(sources, control, Optional.empty(), slowLane);
  }

  /**
   * @param slowLane where a connection moves once it asks for anything but /check: /metrics,
   *     /status and / are bigger answers, and a client flooding them then keeps that loop busy, not
   *     the one that answers keepalived (bench/abuse.md)
   */
  public EndpointHandler(
      Sources sources,
      Optional<OperatorControl> control,
      Optional<ReloadControl> reload,
      Optional<EventLoop> slowLane) {
    this.sources = sources;
    this.control = control;
    this.reload = reload;
    this.slowLane = slowLane;
  }

  /**
   * Counts a connection the endpoint's connection limit closed
   * (keepwatch_http_connections_evicted_total).
   */
  void connectionEvicted() {
    sources.meters().connectionEvicted();
  }

  /** What an answer needs to know of its request; the request itself is released on return. */
  record Asked(HttpVersion version, boolean head, boolean keepAlive) {
    static Asked of(FullHttpRequest request) {
      // Answer in the client's version; anything unusual, or a request too broken to have a
      // version (Netty then says 1.0), gets 1.1.
      boolean http10 =
          request.protocolVersion().equals(HttpVersion.HTTP_1_0)
              && request.decoderResult().isSuccess();
      return new Asked(
          http10 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1,
          request.method().equals(HttpMethod.HEAD),
          HttpUtil.isKeepAlive(request));
    }
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    Asked asked = Asked.of(request);
    if (request.decoderResult().isFailure()) {
      // Malformed or oversized request line or headers: say so and hang up.
      Throwable cause = request.decoderResult().cause();
      String why = Printable.reason(cause);
      send(
          ctx,
          asked,
          response(asked, HttpResponseStatus.BAD_REQUEST, TEXT, text("bad request: " + why)),
          false);
      return;
    }
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    String path;
    try {
      path = uri.path();
    } catch (IllegalArgumentException badEscape) { // e.g. "/chec%" or "/%zz"
      refuseMalformed(ctx, asked, badEscape);
      return;
    }
    HttpMethod method = request.method();
    boolean read = method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD);
    switch (path) {
      case "/check", "/check/serving", "/status", "/metrics", "/" -> {
        if (!read) {
          refuseMethod(ctx, asked, method, path, "GET, HEAD", "this endpoint is read-only");
          return;
        }
        answerRead(ctx, asked, path);
      }
      case "/maintenance", "/reset", "/reload" -> {
        boolean offered = path.equals("/reload") ? reload.isPresent() : control.isPresent();
        if (!offered) {
          refuseMethod(
              ctx,
              asked,
              method,
              path,
              "",
              "state changes are only accepted on the unix control socket");
          return;
        }
        if (!method.equals(HttpMethod.POST)) {
          refuseMethod(ctx, asked, method, path, "POST", "use POST");
          return;
        }
        if (path.equals("/reload")) {
          answerReload(ctx, asked);
          return;
        }
        Map<String, List<String>> form;
        try {
          form = form(uri, request);
        } catch (IllegalArgumentException badEscape) {
          refuseMalformed(ctx, asked, badEscape);
          return;
        }
        answerControl(ctx, asked, path, form);
      }
      default ->
          send(
              ctx,
              asked,
              response(
                  asked, HttpResponseStatus.NOT_FOUND, TEXT, text("no such endpoint: " + path)),
              true);
    }
  }

  /** A precomputed check answer as it is, counted by endpoint and answer. */
  private FullHttpResponse check(Asked asked, CheckAnswer answer, String endpoint) {
    sources.meters().checkAnswered(endpoint, answer.up());
    HttpResponseStatus status =
        answer.up() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE;
    return response(asked, status, TEXT, answer.body());
  }

  private void answerRead(ChannelHandlerContext ctx, Asked asked, String path) {
    if (!path.startsWith("/check")
        && slowLane.isPresent()
        && ctx.channel().eventLoop() != slowLane.get()) {
      moveToSlowLane(ctx, asked, path);
      return;
    }
    Snapshot snapshot = sources.snapshots().get();
    FullHttpResponse response =
        switch (path) {
          case "/check" -> check(asked, snapshot.answer(), "check");
          case "/check/serving" -> check(asked, snapshot.serving(), "serving");
          case "/metrics" ->
              response(
                  asked,
                  HttpResponseStatus.OK,
                  MetricsEndpoint.CONTENT_TYPE,
                  sources.metrics().scrape());
          case "/status" ->
              response(
                  asked,
                  HttpResponseStatus.OK,
                  "application/json",
                  StatusDocuments.json(
                          snapshot,
                          sources.actions().get(),
                          sources.keepalived().get(),
                          sources.info())
                      .getBytes(StandardCharsets.UTF_8));
          default ->
              response(
                  asked,
                  HttpResponseStatus.OK,
                  "text/html; charset=utf-8",
                  StatusDocuments.html(
                          snapshot,
                          sources.actions().get(),
                          sources.keepalived().get(),
                          sources.info())
                      .getBytes(StandardCharsets.UTF_8));
        };
    send(ctx, asked, response, true);
  }

  /**
   * Moves the connection to the slow lane's event loop, then answers there; its later requests
   * (keep-alive) are read there too. Only what a request needs to be answered (its version, method,
   * keep-alive, path) crosses over; the request itself is released as usual.
   */
  private void moveToSlowLane(ChannelHandlerContext ctx, Asked asked, String path) {
    Channel channel = ctx.channel();
    var unused =
        channel
            .deregister()
            .addListener(
                deregistered -> {
                  if (!deregistered.isSuccess()) {
                    var unusedClose = channel.close();
                    return;
                  }
                  slowLane
                      .get()
                      .register(channel)
                      .addListener(
                          registered -> {
                            if (registered.isSuccess()) {
                              answerRead(ctx, asked, path);
                            } else {
                              var unusedClose = channel.close();
                            }
                          });
                });
  }

  private void answerControl(
      ChannelHandlerContext ctx, Asked asked, String path, Map<String, List<String>> form) {
    OperatorControl c = control.orElseThrow();
    CompletableFuture<String> done;
    if (path.equals("/reset")) {
      done = c.reset();
    } else {
      String state = first(form, "state");
      if (!state.equals("on") && !state.equals("off")) {
        send(
            ctx,
            asked,
            response(
                asked,
                HttpResponseStatus.BAD_REQUEST,
                TEXT,
                text("state must be 'on' or 'off', got '" + state + "'")),
            true);
        return;
      }
      done = c.maintenance(state.equals("on"), first(form, "reason"));
    }
    var unused =
        done.orTimeout(CONTROL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
            .whenComplete(
                (line, failure) -> {
                  FullHttpResponse response;
                  if (failure == null) {
                    response = response(asked, HttpResponseStatus.OK, TEXT, text(line));
                  } else {
                    Throwable cause =
                        failure instanceof CompletionException && failure.getCause() != null
                            ? failure.getCause()
                            : failure;
                    response =
                        response(
                            asked,
                            HttpResponseStatus.INTERNAL_SERVER_ERROR,
                            TEXT,
                            text("not done: " + Printable.reason(cause)));
                  }
                  send(
                      ctx, asked, response,
                      true); // Netty hands a write from another thread to the channel's loop
                });
  }

  /** 200 with the line when applied, 409 with the reason when refused (the config stays). */
  private void answerReload(ChannelHandlerContext ctx, Asked asked) {
    var unused =
        reload
            .orElseThrow()
            .reload()
            .orTimeout(RELOAD_TIMEOUT_SECONDS, TimeUnit.SECONDS)
            .whenComplete(
                (outcome, failure) -> {
                  FullHttpResponse response;
                  if (failure != null) {
                    response =
                        response(
                            asked,
                            HttpResponseStatus.INTERNAL_SERVER_ERROR,
                            TEXT,
                            text(
                                "no outcome within "
                                    + RELOAD_TIMEOUT_SECONDS
                                    + " s; the reload may still finish: see the agent's log"));
                  } else {
                    response =
                        response(
                            asked,
                            outcome.applied() ? HttpResponseStatus.OK : HttpResponseStatus.CONFLICT,
                            TEXT,
                            text(outcome.line()));
                  }
                  send(ctx, asked, response, true);
                });
  }

  /** Form fields from the query string and an application/x-www-form-urlencoded body. */
  private static Map<String, List<String>> form(QueryStringDecoder uri, FullHttpRequest request) {
    Map<String, List<String>> fields = new HashMap<>(uri.parameters());
    String body = request.content().toString(StandardCharsets.UTF_8);
    if (!body.isBlank()) {
      new QueryStringDecoder(body, false).parameters().forEach(fields::putIfAbsent);
    }
    return fields;
  }

  private static String first(Map<String, List<String>> form, String name) {
    List<String> values = form.get(name);
    return values == null || values.isEmpty() ? "" : values.get(0).strip();
  }

  /**
   * A request Netty parsed but whose URI or form does not decode: 400 with the reason, then hang
   * up.
   */
  private static void refuseMalformed(
      ChannelHandlerContext ctx, Asked asked, IllegalArgumentException why) {
    send(
        ctx,
        asked,
        response(
            asked,
            HttpResponseStatus.BAD_REQUEST,
            TEXT,
            text("bad request: " + Printable.escaped(String.valueOf(why.getMessage())))),
        false);
  }

  private static void refuseMethod(
      ChannelHandlerContext ctx,
      Asked asked,
      HttpMethod method,
      String path,
      String allowed,
      String why) {
    FullHttpResponse refusal =
        response(
            asked,
            HttpResponseStatus.METHOD_NOT_ALLOWED,
            TEXT,
            text(method + " is not allowed on " + path + "; " + why));
    if (!allowed.isEmpty()) {
      refusal.headers().set(HttpHeaderNames.ALLOW, allowed);
    }
    send(ctx, asked, refusal, true);
  }

  static byte[] text(String line) {
    return (line + "\n").getBytes(StandardCharsets.UTF_8);
  }

  static FullHttpResponse response(
      Asked asked, HttpResponseStatus status, String contentType, byte[] body) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            asked.version(),
            status,
            asked.head() ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, contentType)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    return response;
  }

  static void send(
      ChannelHandlerContext ctx, Asked asked, FullHttpResponse response, boolean mayKeepAlive) {
    boolean keepAlive = mayKeepAlive && asked.keepAlive();
    HttpUtil.setKeepAlive(response, keepAlive);
    var written = ctx.writeAndFlush(response);
    if (!keepAlive) {
      written.addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A client that resets its connection, goes idle or hangs up mid-request is routine; anything
    // else is worth a line, but at most one a second: a hostile client must not flood the log.
    boolean routine =
        cause instanceof IOException
            || cause instanceof ReadTimeoutException
            || cause instanceof PrematureChannelClosureException;
    long now = System.nanoTime();
    long last = lastWarningNanos.get();
    boolean warn =
        !routine && now - last >= WARNING_EVERY_NANOS && lastWarningNanos.compareAndSet(last, now);
    LOG.log(
        warn ? Level.WARNING : Level.FINE,
        "endpoint connection from "
            + ctx.channel().remoteAddress()
            + " failed: "
            + Printable.escaped(String.valueOf(cause)));
    var unused = ctx.close();
  }
}
