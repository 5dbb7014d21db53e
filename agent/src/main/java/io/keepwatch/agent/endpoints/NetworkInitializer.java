package io.keepwatch.agent.endpoints;

import io.keepwatch.agent.metrics.KeepwatchMeters;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The network listener's pipeline: the loopback endpoint's (see {@link EndpointInitializer}, the
 * same limits) with TLS and an {@link AccessGate} added:
 *
 * <ol>
 *   <li>{@link ConnectionLimit};
 *   <li>{@link SslHandler}, when the web config has tls_server_config; its handshake must end
 *       within {@value EndpointInitializer#REQUEST_MILLIS} ms;
 *   <li>{@link ReadTimeoutHandler}, {@link RequestDeadline}, {@link HttpServerCodec}, {@link
 *       HttpObjectAggregator}, as on loopback;
 *   <li>{@link AccessGate}: basic auth (401) and the paths the operator chose to serve (404);
 *   <li>{@link EndpointHandler}: the answers.
 * </ol>
 */
final class NetworkInitializer extends ChannelInitializer<Channel> {

  private final EndpointHandler handler;
  private final WebSecurity security;
  private final Set<String> served;
  private final KeepwatchMeters meters;
  private final ConnectionLimit limit;
  private final RequestDeadline deadline = new RequestDeadline(EndpointInitializer.REQUEST_MILLIS);

  NetworkInitializer(
      EndpointHandler handler, WebSecurity security, Set<String> served, KeepwatchMeters meters) {
    this.handler = handler;
    this.security = security;
    this.served = Set.copyOf(served);
    this.meters = meters;
    this.limit =
        new ConnectionLimit(EndpointInitializer.MAX_CONNECTIONS, meters::connectionEvicted);
  }

  @Override
  protected void initChannel(Channel channel) {
    WebSecurity.Settings settings = security.current();
    channel.pipeline().addLast(limit);
    settings
        .tls()
        .ifPresent(
            tls -> {
              SslHandler ssl = tls.newHandler(channel.alloc());
              ssl.setHandshakeTimeoutMillis(EndpointInitializer.REQUEST_MILLIS);
              channel.pipeline().addLast(ssl);
            });
    channel
        .pipeline()
        .addLast(new ReadTimeoutHandler(EndpointInitializer.IDLE_SECONDS, TimeUnit.SECONDS))
        .addLast(deadline.firstByte())
        .addLast(
            new HttpServerCodec(
                EndpointInitializer.MAX_INITIAL_LINE,
                EndpointInitializer.MAX_HEADER_SIZE,
                EndpointInitializer.MAX_CONTENT))
        .addLast(new HttpObjectAggregator(EndpointInitializer.MAX_CONTENT))
        .addLast(deadline.wholeRequest())
        .addLast(new AccessGate(served, settings.auth(), meters))
        .addLast(handler);
  }
}
