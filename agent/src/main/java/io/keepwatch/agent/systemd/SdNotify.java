package io.keepwatch.agent.systemd;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * sd_notify(3) without libsystemd: datagrams to {@code $NOTIFY_SOCKET}, a path or, when it starts
 * with '@', an abstract address. Without {@code $NOTIFY_SOCKET} (not started by systemd with
 * Type=notify) every call does nothing. A failed send is logged, never fatal.
 */
public final class SdNotify implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger("keepwatch");

  private final DomainSocketAddress target;
  private final Channel channel;

  private SdNotify(DomainSocketAddress target, Channel channel) {
    this.target = target;
    this.channel = channel;
  }

  /** From {@code $NOTIFY_SOCKET}; empty when systemd did not ask for notifications. */
  public static Optional<SdNotify> fromEnvironment(EpollEventLoopGroup loop) {
    String socket = System.getenv("NOTIFY_SOCKET");
    return socket == null || socket.isEmpty() ? Optional.empty() : Optional.of(to(socket, loop));
  }

  /**
   * To the given socket: a path, or "@name" for an abstract address (as systemd writes it).
   *
   * @throws RuntimeException (Netty's) when nothing listens there
   */
  public static SdNotify to(String socket, EpollEventLoopGroup loop) {
    // An abstract address is the name after a NUL byte (unix(7)); systemd writes that NUL as '@'.
    String path = socket.startsWith("@") ? "\0" + socket.substring(1) : socket;
    DomainSocketAddress target = new DomainSocketAddress(path);
    // A datagram "connect" only fixes the destination; Netty sends on active channels only.
    Channel channel =
        new Bootstrap()
            .group(loop)
            .channel(EpollDomainDatagramChannel.class)
            .handler(new ChannelInboundHandlerAdapter())
            .connect(target)
            .syncUninterruptibly()
            .channel();
    return new SdNotify(target, channel);
  }

  /** Sends one notification, e.g. "READY=1\nSTATUS=UP". */
  public void send(String state) {
    channel
        .writeAndFlush(Unpooled.copiedBuffer(state, StandardCharsets.UTF_8))
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                LOG.warning(
                    "sd_notify to " + target.path().replace('\0', '@') + " failed: " + f.cause());
              }
            });
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly();
  }
}
