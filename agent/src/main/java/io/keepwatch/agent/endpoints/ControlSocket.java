package io.keepwatch.agent.endpoints;

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

  private static final String KEY = "keepwatch.control.socket";

  /**
   * Binds the socket, replacing a stale one a crashed agent left behind; creates its directory
   * (mode 0750) when missing.
   *
   * @throws StartFailure naming the path and what went wrong, in words (another agent listening,
   *     directory missing and not creatable, permission denied, unknown group...)
   */
  public static ControlSocket bind(
      Path path, Optional<String> group, EpollEventLoopGroup loop, EndpointHandler handler)
      throws StartFailure {
    Path directory = path.toAbsolutePath().getParent();
    if (!Files.isDirectory(directory)) {
      try {
        Files.createDirectories(
            directory,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
      } catch (IOException e) {
        throw failure(
            StartFailure.kindOf(e),
            "its directory "
                + directory
                + " is missing and cannot be created ("
                + StartFailure.reason(e)
                + ")",
            path,
            e);
      }
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
      StartFailure.Kind kind = StartFailure.kindOf(bound.cause());
      String why =
          kind == StartFailure.Kind.PERMISSION
              ? "permission denied in " + directory + " (the agent's user must be able to write it)"
              : StartFailure.reason(bound.cause());
      throw failure(kind, why, path, bound.cause());
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
          throw new StartFailure(
              "keepwatch.control.group",
              StartFailure.Kind.CONFIG,
              "cannot give the control socket " + path + " to group '" + group.get() + "'",
              "no such group",
              e);
        }
        Files.getFileAttributeView(path, PosixFileAttributeView.class).setGroup(principal);
      }
    } catch (StartFailure e) {
      socket.close();
      throw e;
    } catch (IOException e) {
      socket.close();
      throw failure(StartFailure.kindOf(e), StartFailure.reason(e), path, e);
    }
    return socket;
  }

  private static StartFailure failure(
      StartFailure.Kind kind, String why, Path path, Throwable cause) {
    return new StartFailure(KEY, kind, "cannot create the control socket " + path, why, cause);
  }

  /** A socket file nobody listens on is a leftover; one that answers belongs to a running agent. */
  private static void removeIfStale(Path path) throws StartFailure {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      if ((mode & 0170000) != 0140000) { // S_IFMT, S_IFSOCK (inode(7))
        throw failure(
            StartFailure.Kind.CANNOT_CREATE,
            "it exists and is not a socket; remove it or choose another control.socket",
            path,
            null);
      }
      try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
        probe.connect(UnixDomainSocketAddress.of(path));
        throw failure(
            StartFailure.Kind.IN_USE,
            "another keepwatch is listening on it (keepwatch status; systemctl status keepwatch)",
            path,
            null);
      } catch (SocketException refused) { // ECONNREFUSED: nobody listens
        Files.delete(path);
      }
    } catch (StartFailure e) {
      throw e;
    } catch (IOException e) {
      throw failure(StartFailure.kindOf(e), StartFailure.reason(e), path, e);
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
