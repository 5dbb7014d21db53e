package io.keepwatch.probes.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A small reader of the process table under a /proc root. Tests point it at a directory with canned
 * files; real use reads {@code /proc}. Reads are blocking but short, so callers run them off the
 * event loops.
 */
public final class ProcFs {

  private final Path root;

  public ProcFs() {
    this(Path.of("/proc"));
  }

  public ProcFs(Path root) {
    this.root = root;
  }

  /** The process's stat, or empty when there is no such process (it exited between reads). */
  public Optional<ProcStat> stat(int pid) throws IOException {
    Optional<String> text = read(root.resolve(Integer.toString(pid)).resolve("stat"));
    return text.map(ProcStat::parse);
  }

  /**
   * The process's command line with NULs as spaces (nginx rewrites it to a title such as "nginx:
   * worker process"), or empty when the process is gone.
   */
  public Optional<String> cmdline(int pid) throws IOException {
    return read(root.resolve(Integer.toString(pid)).resolve("cmdline"))
        .map(s -> s.replace('\0', ' ').strip());
  }

  /**
   * The direct children of a single-threaded process such as the nginx master. Uses {@code
   * /proc/PID/task/PID/children} (Linux 3.5+, CONFIG_PROC_CHILDREN) and falls back to a scan of
   * every process's ppid when the kernel lacks it.
   */
  public List<Integer> children(int pid) throws IOException {
    String p = Integer.toString(pid);
    Optional<String> listed = read(root.resolve(p).resolve("task").resolve(p).resolve("children"));
    if (listed.isPresent()) {
      List<Integer> pids = new ArrayList<>();
      for (String token : listed.get().trim().split("\\s+", -1)) {
        if (!token.isEmpty()) {
          pids.add(Integer.parseInt(token));
        }
      }
      return pids;
    }
    return scanChildren(pid);
  }

  private List<Integer> scanChildren(int parent) throws IOException {
    List<Integer> pids = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(root, "[0-9]*")) {
      for (Path entry : entries) {
        int pid;
        try {
          pid = Integer.parseInt(entry.getFileName().toString());
        } catch (NumberFormatException notAProcess) {
          continue;
        }
        Optional<ProcStat> stat = stat(pid);
        if (stat.isPresent() && stat.get().ppid() == parent) {
          pids.add(pid);
        }
      }
    }
    return pids;
  }

  private static Optional<String> read(Path file) throws IOException {
    try {
      return Optional.of(Files.readString(file, StandardCharsets.ISO_8859_1));
    } catch (NoSuchFileException gone) {
      return Optional.empty();
    }
  }
}
