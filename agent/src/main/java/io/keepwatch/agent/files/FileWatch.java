package io.keepwatch.agent.files;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Says, as it happens, that a file was created, written, replaced or removed: inotify(7) through
 * the JDK's {@link WatchService} on the file's directory. Waiting for it costs nothing, where a
 * poll fast enough to matter would wake the agent tens of times a second (each wake-up costs tens
 * of microseconds of CPU: bench/footprint.md). It only ever speeds things up: a caller still looks
 * at the file now and then, so a change missed here (an overflowed queue, the directory removed and
 * made again) is seen late, never not at all.
 *
 * <p>Threads: the JDK's own watch thread and {@code keepwatch-file-watch}, which waits for its
 * events and runs the caller's action on the caller's executor.
 */
public final class FileWatch implements AutoCloseable {

  private final WatchService service;
  private final Path name;
  private final Executor executor;
  private final Runnable onChange;
  private final Thread thread;
  private volatile boolean valid = true;

  private FileWatch(WatchService service, Path file, Executor executor, Runnable onChange) {
    this.service = service;
    this.name = file.getFileName();
    this.executor = executor;
    this.onChange = onChange;
    this.thread = new Thread(this::run, "keepwatch-file-watch");
    this.thread.setDaemon(true);
  }

  /**
   * Watches {@code file}; empty when its directory cannot be watched (missing, not readable).
   *
   * @param onChange runs on {@code executor} after each change of the file
   */
  public static Optional<FileWatch> start(Path file, Executor executor, Runnable onChange) {
    Path directory = file.toAbsolutePath().getParent();
    WatchService service;
    try {
      service = FileSystems.getDefault().newWatchService();
    } catch (IOException e) {
      return Optional.empty();
    }
    try {
      directory.register(
          service,
          StandardWatchEventKinds.ENTRY_CREATE,
          StandardWatchEventKinds.ENTRY_MODIFY,
          StandardWatchEventKinds.ENTRY_DELETE);
    } catch (IOException | RuntimeException e) {
      closeQuietly(service);
      return Optional.empty();
    }
    FileWatch watch = new FileWatch(service, file, executor, onChange);
    watch.thread.start();
    return Optional.of(watch);
  }

  /**
   * False once the directory is gone (or the watch closed): no more changes will be told. A caller
   * may start a new watch once the directory is back.
   */
  public boolean valid() {
    return valid;
  }

  private void run() {
    try {
      while (valid) {
        WatchKey key = service.take();
        boolean ours = false;
        for (WatchEvent<?> event : key.pollEvents()) {
          // An overflow may have dropped one of ours: count it as a change.
          ours |= event.kind() == StandardWatchEventKinds.OVERFLOW || name.equals(event.context());
        }
        valid = key.reset();
        if (ours || !valid) {
          executor.execute(onChange);
        }
      }
    } catch (ClosedWatchServiceException | RejectedExecutionException e) {
      valid = false; // closed, or the executor stopped: nobody to tell
    } catch (InterruptedException e) {
      valid = false;
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    valid = false;
    closeQuietly(service);
  }

  private static void closeQuietly(WatchService service) {
    try {
      service.close();
    } catch (IOException ignored) {
      // nothing was written; nothing can be lost
    }
  }
}
