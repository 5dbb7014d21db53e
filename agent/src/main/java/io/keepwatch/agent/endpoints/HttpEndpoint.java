package io.keepwatch.agent.endpoints;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The read-only HTTP endpoint on {@code http.listen}. Its event loop is its own, so probes that
 * wait on a hung nginx never delay an answer to keepalived.
 */
public final class HttpEndpoint implements AutoCloseable {

  private final Channel channel;

  private HttpEndpoint(Channel channel) {
    this.channel = channel;
  }

  /**
   * Binds and starts serving.
   *
   * @throws IOException saying which address could not be bound and why
   */
  public static HttpEndpoint bind(InetSocketAddress listen, EventLoopGroup group, EndpointHandler handler)
      throws IOException {
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_REUSEADDR, true)
        .option(ChannelOption.SO_BACKLOG, 128)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new EndpointInitializer(handler));
    var bound = bootstrap.bind(listen).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      Throwable cause = bound.cause();
      throw new IOException("cannot listen on " + listen.getHostString() + ":" + listen.getPort() + ": "
          + (cause.getMessage() == null ? cause.toString() : cause.getMessage()), cause);
    }
    return new HttpEndpoint(bound.channel());
  }

  /** The bound port; the real one when 0 was asked for. */
  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) channel.localAddress();
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly();
  }
}
