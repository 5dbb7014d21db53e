package io.keepwatch.agent.endpoints;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * At most {@code max} open connections on one endpoint. Over the limit the OLDEST connection is
 * closed, not the newest: a flood of idle or slow connections then cannot lock keepalived's
 * quick checks out (keepwatch-check connects, asks and hangs up within a millisecond); each
 * newcomer pushes out whoever has held a connection longest. One instance per endpoint.
 */
@Sharable
final class ConnectionLimit extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = Logger.getLogger(ConnectionLimit.class.getName());
  /** Log the first eviction, then one line per this many, so a flood cannot flood the log. */
  private static final long LOG_EVERY = 1000;

  private final int max;
  private final Deque<Channel> open = new ArrayDeque<>(); // oldest first; guarded by this
  private final AtomicLong evicted = new AtomicLong();

  ConnectionLimit(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("max connections must be >= 1, got " + max);
    }
    this.max = max;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    Channel oldest = null;
    synchronized (this) {
      open.addLast(ctx.channel());
      if (open.size() > max) {
        oldest = open.pollFirst();
      }
    }
    if (oldest != null) {
      long n = evicted.incrementAndGet();
      if (n % LOG_EVERY == 1) {
        LOG.warning(() -> "more than " + max + " connections on " + ctx.channel().localAddress()
            + ": closing the oldest (" + n + " closed so far)");
      }
      oldest.close();
    }
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    synchronized (this) {
      open.remove(ctx.channel());
    }
    ctx.fireChannelInactive();
  }

  /** Connections closed to make room, since start. */
  long evicted() {
    return evicted.get();
  }

  synchronized int open() {
    return open.size();
  }
}
