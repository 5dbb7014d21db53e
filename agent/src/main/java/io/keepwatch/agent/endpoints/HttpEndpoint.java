package io.keepwatch.agent.endpoints;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The read-only HTTP endpoint on {@code http.listen}. Its event loop is its own, so probes that
 * wait on a hung nginx never delay an answer to keepalived.
 */
public final class HttpEndpoint implements AutoCloseable {

  /**
   * TCP_DEFER_ACCEPT (tcp(7)): the kernel reports a connection only once its request arrived, so a
   * keepwatch-check costs the agent one wake-up instead of two. Seconds to wait for it.
   */
  private static final int DEFER_ACCEPT_SECONDS = 1;

  /**
   * Pending connections the kernel queues for us. Deep enough that a burst of new connections (a
   * flood, or the churn of evicting idle ones) does not drop keepalived's SYN, which would cost it
   * TCP's 1 s retransmission (bench/abuse.md: 128 did, once).
   */
  private static final int BACKLOG = 1024;

  private final Channel channel;

  private HttpEndpoint(Channel channel) {
    this.channel = channel;
  }

  /**
   * Binds and starts serving.
   *
   * @throws IOException ({@link StartFailure}) saying which address could not be bound and why
   */
  public static HttpEndpoint bind(
      InetSocketAddress listen, EpollEventLoopGroup group, EndpointHandler handler)
      throws IOException {
    return bind("keepwatch.http.listen", listen, group, new EndpointInitializer(handler));
  }

  /** Binds with the given pipeline (tests use smaller limits). */
  static HttpEndpoint bind(
      InetSocketAddress listen, EpollEventLoopGroup group, EndpointInitializer pipeline)
      throws IOException {
    return bind("keepwatch.http.listen", listen, group, pipeline);
  }

  /**
   * Binds with the given pipeline.
   *
   * @param key the configuration key the address came from, for the message if it fails
   * @throws StartFailure saying which address could not be bound and why, in words
   */
  static HttpEndpoint bind(
      String key,
      InetSocketAddress listen,
      EpollEventLoopGroup group,
      ChannelInitializer<Channel> pipeline)
      throws StartFailure {
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(EpollServerSocketChannel.class)
            .option(ChannelOption.SO_REUSEADDR, true)
            .option(ChannelOption.SO_BACKLOG, BACKLOG)
            .option(EpollChannelOption.TCP_DEFER_ACCEPT, DEFER_ACCEPT_SECONDS)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(pipeline);
    var bound = bootstrap.bind(listen).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      throw StartFailure.listening(key, hostAndPort(listen), listen.getPort(), bound.cause());
    }
    return new HttpEndpoint(bound.channel());
  }

  /** "127.0.0.1:9523" or "[::1]:9523". */
  static String hostAndPort(InetSocketAddress address) {
    String host = address.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
  }

  /** The bound port; the real one when 0 was asked for. */
  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly();
  }
}
