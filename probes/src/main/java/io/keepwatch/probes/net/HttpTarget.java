package io.keepwatch.probes.net;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Where an HTTP probe goes: the resolved address to connect to, the request target and the Host
 * header. Built once from the configuration, so a bad URL is a configuration error and no DNS
 * lookup ever runs on an event loop.
 *
 * @param url the URL as configured, for messages
 * @param address the resolved address to connect to
 * @param requestTarget path and query, e.g. "/nginx_status"
 * @param hostHeader the Host header to send
 * @param tls whether to speak https
 * @param tlsServerName the SNI name for https
 */
public record HttpTarget(
    String url,
    InetSocketAddress address,
    String requestTarget,
    String hostHeader,
    boolean tls,
    String tlsServerName) {

  /**
   * Parses and resolves a URL.
   *
   * @param url an http:// or https:// URL
   * @param hostHeader the Host header to send instead of the URL's host and port; "" for none
   * @throws IllegalArgumentException saying what is wrong with the URL
   */
  public static HttpTarget parse(String url, String hostHeader) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a URL: " + e.getMessage(), e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("URL '" + url + "' must start with http:// or https://");
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("URL '" + url + "' has no host");
    }
    if (uri.getUserInfo() != null) {
      throw new IllegalArgumentException("URL '" + url + "' must not hold user:password");
    }
    boolean tls = scheme.equals("https");
    int port = uri.getPort() == -1 ? (tls ? 443 : 80) : uri.getPort();
    String unbracketed = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    InetSocketAddress address = new InetSocketAddress(unbracketed, port);
    if (address.isUnresolved()) {
      throw new IllegalArgumentException("URL '" + url + "': cannot resolve host " + host);
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String target = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    String defaultHost = uri.getPort() == -1 ? host : host + ":" + port;
    String header = hostHeader.isEmpty() ? defaultHost : hostHeader;
    String serverName = hostHeader.isEmpty() ? unbracketed : hostHeader.replaceFirst(":\\d+$", "");
    return new HttpTarget(url, address, target, header, tls, serverName);
  }

  /** "host:port" as written, for messages. */
  public String endpoint() {
    return Endpoints.describe(address);
  }
}
