package io.keepwatch.agent.endpoints;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.util.concurrent.TimeUnit;

/**
 * The endpoint pipeline, the same for every transport, with the limits that keep a hostile or
 * broken client from costing the agent more than a bounded share (see docs/reliability.md):
 *
 * <ol>
 *   <li>{@link ConnectionLimit}: at most {@value #MAX_CONNECTIONS} open connections per endpoint; a
 *       newcomer over the limit closes the oldest;
 *   <li>{@link ReadTimeoutHandler}: a connection silent for {@value #IDLE_SECONDS} s is closed;
 *   <li>{@link RequestDeadline}: a request must arrive whole within {@value #REQUEST_MILLIS} ms of
 *       its first byte (slowloris);
 *   <li>{@link HttpServerCodec}: request line up to 4 KiB, headers up to 8 KiB; larger requests are
 *       decoder failures that the handler answers with 400 and a hang-up;
 *   <li>{@link HttpObjectAggregator}: whole requests of at most 8 KiB (the endpoints take no body;
 *       a larger one gets 413);
 *   <li>{@link EndpointHandler}: routing and answers.
 * </ol>
 */
public final class EndpointInitializer extends ChannelInitializer<Channel> {

  static final int MAX_INITIAL_LINE = 4096;
  static final int MAX_HEADER_SIZE = 8192;
  static final int MAX_CONTENT = 8192;
  static final int IDLE_SECONDS = 30;
  static final int REQUEST_MILLIS = 5000;

  /**
   * Far above what keepalived, a few scrapers and an operator need at once; about 7 MiB of heap and
   * buffers when all are idle (bench/abuse.md).
   */
  static final int MAX_CONNECTIONS = 1024;

  private final EndpointHandler handler;
  private final ConnectionLimit limit;
  private final RequestDeadline deadline;

  public EndpointInitializer(EndpointHandler handler) {
    this(handler, MAX_CONNECTIONS, REQUEST_MILLIS);
  }

  EndpointInitializer(EndpointHandler handler, int maxConnections, long requestMillis) {
    this.handler = handler;
    this.limit = new ConnectionLimit(maxConnections, handler::connectionEvicted);
    this.deadline = new RequestDeadline(requestMillis);
  }

  @Override
  protected void initChannel(Channel channel) {
    channel
        .pipeline()
        .addLast(limit)
        .addLast(new ReadTimeoutHandler(IDLE_SECONDS, TimeUnit.SECONDS))
        .addLast(deadline.firstByte())
        .addLast(new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, MAX_CONTENT))
        .addLast(new HttpObjectAggregator(MAX_CONTENT))
        .addLast(deadline.wholeRequest())
        .addLast(handler);
  }

  /** Connections closed to make room for newer ones, since start. */
  public long evictedConnections() {
    return limit.evicted();
  }
}
