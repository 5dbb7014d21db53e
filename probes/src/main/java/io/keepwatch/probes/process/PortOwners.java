package io.keepwatch.probes.process;

import java.io.BufferedReader;
import java.io.IOException;
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
 */
public final class PortOwners {

  /** The state column's value for LISTEN (include/net/tcp_states.h). */
  private static final String LISTEN = "0A";

  /** /proc/net/tcp of a busy host is long; a port's listeners are near the top, by far. */
  private static final int MAX_TABLE_BYTES = 4 << 20;

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
    try (BufferedReader in = Files.newBufferedReader(table, StandardCharsets.US_ASCII)) {
      long read = 0;
      for (String line = in.readLine();
          line != null && read <= MAX_TABLE_BYTES;
          line = in.readLine()) {
        read += line.length() + 1;
        String[] f = line.strip().split("\\s+", -1);
        // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
        if (f.length > 9 && f[1].endsWith(":" + portHex) && f[3].equals(LISTEN)) {
          inodes.add(f[9]);
        }
      }
    } catch (NoSuchFileException e) {
      return Set.of(); // no IPv6 in this kernel
    }
    return inodes;
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
