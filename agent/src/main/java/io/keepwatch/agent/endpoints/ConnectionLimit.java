package io.keepwatch.agent.endpoints;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * At most {@code max} open connections on one endpoint. Over the limit, a newcomer closes the
 * OLDEST connection whose bytes the agent has already read, not the newest: a flood of idle or slow
 * connections then cannot lock keepalived's quick checks out (keepwatch-check connects, asks and
 * hangs up within a millisecond), and a check accepted in the middle of a storm, whose request is
 * still waiting to be read, is never the one pushed out. If no connection has been read yet (a
 * storm of brand-new connections), the oldest goes all the same: the newcomer is the likeliest to
 * be a check. One instance per endpoint.
 */
@Sharable
final class ConnectionLimit extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = Logger.getLogger(ConnectionLimit.class.getName());

  /** Log the first eviction, then one line per this many, so a flood cannot flood the log. */
  private static final long LOG_EVERY = 1000;

  private static final AttributeKey<Boolean> READ =
      AttributeKey.valueOf("keepwatch.connection-read");

  private final int max;

  /**
   * Open connections, oldest first, each with whether any of its bytes were read. Guarded by this.
   */
  private final LinkedHashMap<Channel, Boolean> open = new LinkedHashMap<>();

  private final AtomicLong evicted = new AtomicLong();

  private final Runnable onEvicted;

  /**
   * @param onEvicted told of every connection closed to make room (the metric)
   */
  ConnectionLimit(int max, Runnable onEvicted) {
    if (max < 1) {
      throw new IllegalArgumentException("max connections must be >= 1, got " + max);
    }
    this.max = max;
    this.onEvicted = onEvicted;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    Channel victim;
    synchronized (this) {
      victim = open.size() < max ? null : oldestRead().orElse(open.keySet().iterator().next());
      if (victim != null && victim != ctx.channel()) {
        open.remove(victim);
      }
      if (victim != ctx.channel()) {
        open.put(ctx.channel(), false);
      }
    }
    if (victim != null) {
      onEvicted.run();
      long n = evicted.incrementAndGet();
      if (n % LOG_EVERY == 1) {
        LOG.warning(
            () ->
                "more than "
                    + max
                    + " connections on "
                    + ctx.channel().localAddress()
                    + ": closing the oldest ("
                    + n
                    + " closed so far)");
      }
      var unused = victim.close();
      if (victim == ctx.channel()) {
        return;
      }
    }
    ctx.fireChannelActive();
  }

  private Optional<Channel> oldestRead() {
    return open.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).findFirst();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    // Only a connection's first read takes the lock; later reads are the hot path.
    if (ctx.channel().attr(READ).setIfAbsent(Boolean.TRUE) == null) {
      synchronized (this) {
        open.replace(ctx.channel(), true);
      }
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    synchronized (this) {
      open.remove(ctx.channel());
    }
    ctx.fireChannelInactive();
  }

  /** Connections closed to make room, or refused, since start. */
  long evicted() {
    return evicted.get();
  }
}
