package io.keepwatch.agent.endpoints;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.util.concurrent.TimeUnit;

/**
 * The endpoint pipeline, the same for every transport:
 *
 * <ol>
 *   <li>{@link ReadTimeoutHandler}: a connection silent for 30 s is closed, so idle clients
 *       cannot pile up;
 *   <li>{@link HttpServerCodec}: request line up to 4 KiB, headers up to 8 KiB; larger requests
 *       are decoder failures that the handler answers with 400;
 *   <li>{@link HttpObjectAggregator}: whole requests of at most 8 KiB (the endpoints take no
 *       body; a larger one gets 413);
 *   <li>{@link EndpointHandler}: routing and answers.
 * </ol>
 */
public final class EndpointInitializer extends ChannelInitializer<Channel> {

  static final int MAX_INITIAL_LINE = 4096;
  static final int MAX_HEADER_SIZE = 8192;
  static final int MAX_CONTENT = 8192;
  static final int IDLE_SECONDS = 30;

  private final EndpointHandler handler;

  public EndpointInitializer(EndpointHandler handler) {
    this.handler = handler;
  }

  @Override
  protected void initChannel(Channel channel) {
    channel.pipeline()
        .addLast(new ReadTimeoutHandler(IDLE_SECONDS, TimeUnit.SECONDS))
        .addLast(new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, MAX_CONTENT))
        .addLast(new HttpObjectAggregator(MAX_CONTENT))
        .addLast(handler);
  }
}
