package io.keepwatch.agent.endpoints;

import io.keepwatch.probes.Printable;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * The unix control socket: the same pipeline as the TCP endpoint, plus the state-changing POSTs.
 * Who may use it is decided by the file system: mode 0660, owned by the agent's user and the
 * configured group; everyone else gets "permission denied" from connect(2).
 */
public final class ControlSocket implements AutoCloseable {

  private final Channel channel;
  private final Path path;

  private ControlSocket(Channel channel, Path path) {
    this.channel = channel;
    this.path = path;
  }

  /**
   * Binds the socket, replacing a stale one a crashed agent left behind.
   *
   * @throws IOException naming the path and what went wrong (another agent listening, no directory,
   *     unknown group...)
   */
  public static ControlSocket bind(
      Path path, Optional<String> group, EpollEventLoopGroup loop, EndpointHandler handler)
      throws IOException {
    Path directory = path.toAbsolutePath().getParent();
    if (!Files.isDirectory(directory)) {
      Files.createDirectories(
          directory,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
    }
    removeIfStale(path);
    var bound =
        new ServerBootstrap()
            .group(loop)
            .channel(EpollServerDomainSocketChannel.class)
            .childHandler(new EndpointInitializer(handler))
            .bind(new DomainSocketAddress(path.toFile()))
            .awaitUninterruptibly();
    if (!bound.isSuccess()) {
      Throwable cause = bound.cause();
      throw new IOException(
          "cannot create the control socket " + path + ": " + Printable.reason(cause), cause);
    }
    ControlSocket socket = new ControlSocket(bound.channel(), path);
    try {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
      if (group.isPresent()) {
        GroupPrincipal principal;
        try {
          principal =
              path.getFileSystem()
                  .getUserPrincipalLookupService()
                  .lookupPrincipalByGroupName(group.get());
        } catch (IOException e) {
          throw new IOException("control.group: no group named '" + group.get() + "'", e);
        }
        Files.getFileAttributeView(path, PosixFileAttributeView.class).setGroup(principal);
      }
    } catch (IOException e) {
      socket.close();
      throw e;
    }
    return socket;
  }

  /** A socket file nobody listens on is a leftover; one that answers belongs to a running agent. */
  private static void removeIfStale(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    if ((mode & 0170000) != 0140000) { // S_IFMT, S_IFSOCK (inode(7))
      throw new IOException(
          path + " exists and is not a socket; remove it or choose another control.socket");
    }
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(path));
      throw new IOException("another keepwatch is listening on " + path);
    } catch (SocketException refused) { // ECONNREFUSED: nobody listens
      Files.delete(path);
    }
  }

  public Path path() {
    return path;
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly();
    try {
      Files.deleteIfExists(path);
    } catch (IOException ignored) {
      // the next start replaces a leftover socket anyway
    }
  }
}
