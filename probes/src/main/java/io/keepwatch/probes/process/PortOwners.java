package io.keepwatch.probes.process;

import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Who listens on a TCP port: the listening sockets in /proc/net/tcp and tcp6 (this network
 * namespace), and the processes that hold them (a scan of /proc/PID/fd, made only when the port has
 * a listener at all). The supervisor asks before a restart: nginx cannot bind a port someone else
 * holds, so holding the VIP for that restart would only lengthen the outage.
 *
 * <p>The kernel (4.4 and later: EL 8's 4.18, Debian 11's 5.10 and newer) lists every listening
 * socket first, from its listening hash, then walks its whole table of connections (buckets for
 * every connection the host could hold, most of them empty) for the rest, half-open ones included.
 * Only the listeners are read, a line at a time, so that walk never happens: a table took 4.6 ms to
 * read whole on the bench's VM, and its listeners 0.05 ms (bench/footprint.md). A restart waits for
 * this answer. A kernel that listed a listener later would hide a stranger on the port: the VIP
 * held for at most restart.hold-vip for a restart that cannot bind, a later failover, never a false
 * one.
 */
public final class PortOwners {

  /** The state column's value for LISTEN (include/net/tcp_states.h). */
  private static final String LISTEN = "0A";

  /** The listening sockets of a busy host: thousands of lines at most, never megabytes. */
  private static final int MAX_TABLE_BYTES = 4 << 20;

  /**
   * At most this much is asked of the kernel per read: it generates the table as it is read, so the
   * reads stop where the listeners end (a line is 150 bytes in tcp, about 180 in tcp6).
   */
  private static final int READ_BYTES = 256;

  private final Path root;
  private final ProcFs proc;

  public PortOwners() {
    this(Path.of("/proc"));
  }

  public PortOwners(Path root) {
    this.root = root;
    this.proc = new ProcFs(root);
  }

  /** The processes holding a listening socket on {@code port}; empty when none listens. */
  public List<ProcStat> listening(int port) throws IOException {
    Set<String> inodes = new HashSet<>();
    for (String table : List.of("tcp", "tcp6")) {
      inodes.addAll(listeningInodes(root.resolve("net").resolve(table), port));
    }
    if (inodes.isEmpty()) {
      return List.of();
    }
    List<ProcStat> owners = new ArrayList<>();
    try (DirectoryStream<Path> processes = Files.newDirectoryStream(root, "[0-9]*")) {
      for (Path process : processes) {
        if (holdsAny(process.resolve("fd"), inodes)) {
          int pid = Integer.parseInt(process.getFileName().toString());
          proc.stat(pid).ifPresent(owners::add);
        }
      }
    }
    return owners;
  }

  private static Set<String> listeningInodes(Path table, int port) throws IOException {
    String portHex = String.format("%04X", port);
    Set<String> inodes = new HashSet<>();
    // Line by line: the whole table of a busy host, read at once into the agent's small heap,
    // would cost several times its size at the moment nginx needs restarting.
    try (BufferedReader in = inSmallReads(table)) {
      long read = 0;
      in.readLine(); // the header
      for (String line = in.readLine();
          line != null && read <= MAX_TABLE_BYTES;
          line = in.readLine()) {
        read += line.length() + 1;
        String[] f = line.strip().split("\\s+", -1);
        // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
        if (f.length <= 9) {
          continue;
        }
        if (!f[3].equals(LISTEN)) {
          break; // the listeners are all listed: the rest is connections
        }
        if (f[1].endsWith(":" + portHex)) {
          inodes.add(f[9]);
        }
      }
    } catch (NoSuchFileException e) {
      return Set.of(); // no IPv6 in this kernel
    }
    return inodes;
  }

  /**
   * A reader that asks the kernel for {@link #READ_BYTES} at a time: the JDK's reader would ask for
   * 8 KiB, which the kernel fills by walking the connections table past the listeners.
   */
  private static BufferedReader inSmallReads(Path table) throws IOException {
    InputStream whole = Files.newInputStream(table);
    InputStream small =
        new FilterInputStream(whole) {
          @Override
          public int read(byte[] into, int offset, int length) throws IOException {
            return super.read(into, offset, Math.min(length, READ_BYTES));
          }
        };
    return new BufferedReader(new InputStreamReader(small, StandardCharsets.US_ASCII), READ_BYTES);
  }

  private static boolean holdsAny(Path fds, Set<String> inodes) {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(fds)) {
      for (Path fd : entries) {
        Optional<String> target = link(fd);
        if (target.isPresent()
            && target.get().startsWith("socket:[")
            && inodes.contains(target.get().substring(8, target.get().length() - 1))) {
          return true;
        }
      }
    } catch (IOException | SecurityException gone) {
      // gone since the listing, or not ours to read: not an owner we can name
    }
    return false;
  }

  private static Optional<String> link(Path fd) {
    try {
      return Optional.of(Files.readSymbolicLink(fd).toString());
    } catch (IOException gone) {
      return Optional.empty();
    }
  }
}
