package io.keepwatch.probes.net;

import io.keepwatch.probes.Probe;
import io.keepwatch.probes.ProbeResult;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Healthy when a TCP connection to the address completes within the timeout; the connection is
 * closed at once. The equivalent of {@code nc -z}, without a process.
 *
 * <p>Note that the kernel completes the handshake from the listen backlog even while nginx is
 * SIGSTOPped, so this probe alone does not see a hung nginx; the process and http probes do.
 */
public final class TcpProbe implements Probe {

  /** The probe only connects and closes; one stateless handler serves every connection. */
  @Sharable
  private static final class NothingToRead extends ChannelInboundHandlerAdapter {}

  private static final NothingToRead NOTHING_TO_READ = new NothingToRead();

  private final InetSocketAddress address;
  private final Duration timeout;
  private final Bootstrap bootstrap;

  public TcpProbe(EventLoopGroup group, InetSocketAddress address, Duration timeout) {
    this.address = address;
    this.timeout = timeout;
    this.bootstrap =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, timeout.toMillis()))
            .handler(NOTHING_TO_READ);
  }

  @Override
  public String kind() {
    return "tcp";
  }

  @Override
  public CompletableFuture<ProbeResult> check() {
    CompletableFuture<ProbeResult> result = new CompletableFuture<>();
    ChannelFuture connect = bootstrap.connect(address);
    Endpoints.closeWhenDone(result, connect);
    connect.addListener(
        f -> {
          if (f.isSuccess()) {
            result.complete(ProbeResult.ok("connected to " + Endpoints.describe(address)));
          } else {
            result.complete(Endpoints.connectFailed(address, timeout, f.cause()));
          }
        });
    return result;
  }
}
