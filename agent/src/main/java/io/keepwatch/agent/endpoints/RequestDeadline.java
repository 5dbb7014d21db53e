package io.keepwatch.agent.endpoints;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.util.AttributeKey;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A request must arrive whole within a deadline from its first byte. The idle timeout alone would
 * let a client that trickles a byte every few seconds (slowloris) hold a connection for ever; with
 * this it holds it for at most the deadline per request.
 *
 * <p>Two handlers share the timer through a channel attribute: {@link #firstByte()} goes before the
 * HTTP decoder and starts it, {@link #wholeRequest()} after the aggregator and stops it.
 */
final class RequestDeadline {

  private static final AttributeKey<ScheduledFuture<?>> TIMER =
      AttributeKey.valueOf("keepwatch.request-deadline");

  private final long millis;
  private final Start start = new Start();
  private final Stop stop = new Stop();

  RequestDeadline(long millis) {
    this.millis = millis;
  }

  ChannelInboundHandlerAdapter firstByte() {
    return start;
  }

  ChannelInboundHandlerAdapter wholeRequest() {
    return stop;
  }

  @Sharable
  private final class Start extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf bytes
          && bytes.isReadable()
          && ctx.channel().attr(TIMER).get() == null) {
        // Runs on the channel's event loop, as does every read: no race with Stop.
        Runnable cut =
            () -> {
              var unused = ctx.channel().close();
            };
        ctx.channel().attr(TIMER).set(ctx.executor().schedule(cut, millis, TimeUnit.MILLISECONDS));
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      ScheduledFuture<?> timer = ctx.channel().attr(TIMER).getAndSet(null);
      if (timer != null) {
        timer.cancel(false);
      }
      ctx.fireChannelInactive();
    }
  }

  @Sharable
  private static final class Stop extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof FullHttpRequest) {
        ScheduledFuture<?> timer = ctx.channel().attr(TIMER).getAndSet(null);
        if (timer != null) {
          timer.cancel(false);
        }
      }
      ctx.fireChannelRead(msg);
    }
  }
}
