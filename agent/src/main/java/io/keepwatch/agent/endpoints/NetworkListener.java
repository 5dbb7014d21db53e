package io.keepwatch.agent.endpoints;

import io.keepwatch.agent.config.AgentConfig;
import io.keepwatch.agent.metrics.KeepwatchMeters;
import io.netty.channel.epoll.EpollEventLoopGroup;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The listener other hosts scrape (keepwatch.network): /metrics, and /status and / if the operator
 * chose, over TLS with basic auth when a web config says so. It is separate from http.listen, so
 * nothing here can stop keepwatch-check from reaching /check on loopback. It runs on the documents
 * event loop, never the one that answers /check.
 */
public final class NetworkListener implements AutoCloseable {

  private final List<HttpEndpoint> endpoints;

  private NetworkListener(List<HttpEndpoint> endpoints) {
    this.endpoints = List.copyOf(endpoints);
  }

  /**
   * Binds every configured address; nothing when none is configured.
   *
   * @throws StartFailure naming the address or web config that cannot be used; nothing is left
   *     bound then
   */
  public static NetworkListener start(
      AgentConfig.Network config,
      EpollEventLoopGroup loop,
      EndpointHandler.Sources sources,
      KeepwatchMeters meters)
      throws StartFailure {
    if (config.listen().isEmpty()) {
      return new NetworkListener(List.of());
    }
    NetworkInitializer pipeline =
        new NetworkInitializer(
            new EndpointHandler(sources, Optional.empty(), Optional.empty()),
            new WebSecurity(config.webConfig()),
            config.serve(),
            meters);
    List<HttpEndpoint> bound = new ArrayList<>();
    try {
      for (InetSocketAddress address : config.listen()) {
        bound.add(HttpEndpoint.bind("keepwatch.network.listen", address, loop, pipeline));
      }
    } catch (StartFailure e) {
      bound.forEach(HttpEndpoint::close);
      throw e;
    }
    return new NetworkListener(bound);
  }

  /** The bound ports, in the order of network.listen (the real ones when 0 was asked for). */
  public List<Integer> ports() {
    return endpoints.stream().map(HttpEndpoint::port).toList();
  }

  @Override
  public void close() {
    endpoints.forEach(HttpEndpoint::close);
  }
}
