package io.keepwatch.agent.schedule;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watch against real processes: it speaks up when the master stops or exits. */
class MasterWatchTest {

  @TempDir Path dir;
  final ScheduledThreadPoolExecutor loop = new ScheduledThreadPoolExecutor(1);
  Process master;

  @AfterEach
  void stop() {
    loop.shutdownNow();
    if (master != null) {
      master.destroyForcibly();
    }
  }

  /** Whether it watches a master now, asked on its own thread. */
  boolean watching(MasterWatch watch) {
    try {
      return loop.submit(watch::watching).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the watch's thread did not answer", e);
    }
  }

  @Test
  void speaksUpWhenTheMasterStopsOrExitsAndFollowsANewOne() throws Exception {
    Path pidfile = dir.resolve("nginx.pid");
    master = new ProcessBuilder("sleep", "60").start();
    Files.writeString(pidfile, master.pid() + "\n");
    AtomicInteger troubles = new AtomicInteger();
    MasterWatch watch = new MasterWatch(pidfile, loop, troubles::incrementAndGet);
    loop.submit(watch::start).get(5, TimeUnit.SECONDS);
    // A live master: no word, however long (10 looks, at least).
    Thread.sleep(10 * MasterWatch.EVERY.toMillis());
    Await.until(Duration.ofSeconds(1), "silence while the master runs", troubles::get, n -> n == 0);

    new ProcessBuilder("kill", "-STOP", Long.toString(master.pid())).start().waitFor();
    Await.until(Duration.ofSeconds(5), "a word when it stops", troubles::get, n -> n == 1);

    master.destroyForcibly();
    master.waitFor(10, TimeUnit.SECONDS); // reaped: gone
    Await.until(Duration.ofSeconds(5), "a word when it is gone", troubles::get, n -> n == 2);

    master = new ProcessBuilder("sleep", "60").start(); // the restart's new master
    Files.writeString(pidfile, master.pid() + "\n");
    Await.until(
        Duration.ofSeconds(5),
        "the new master watched",
        () -> watching(watch),
        watching -> watching);
    master.destroyForcibly();
    master.waitFor(10, TimeUnit.SECONDS);
    Await.until(Duration.ofSeconds(5), "a word when the new one goes", troubles::get, n -> n == 3);
    loop.submit(watch::close).get(5, TimeUnit.SECONDS);
  }

  @Test
  void speaksUpWhenThePidfileGoesUnderALiveMaster() throws Exception {
    // nginx removes its pidfile as it exits cleanly (a stop): that is the first sign of it.
    Path pidfile = dir.resolve("nginx.pid");
    master = new ProcessBuilder("sleep", "60").start();
    Files.writeString(pidfile, master.pid() + "\n");
    AtomicInteger troubles = new AtomicInteger();
    // The pidfile's periodic re-read an hour apart: only inotify can tell within the wait.
    MasterWatch watch =
        new MasterWatch(pidfile, loop, troubles::incrementAndGet, Duration.ofHours(1));
    loop.submit(watch::start).get(5, TimeUnit.SECONDS);
    // The first look (at once) has found the master: a task after it sees the result.
    assertTrue(watching(watch), "the master is watched");
    Files.delete(pidfile);
    Await.until(Duration.ofSeconds(5), "a word when the pidfile goes", troubles::get, n -> n == 1);
    loop.submit(watch::close).get(5, TimeUnit.SECONDS);
  }
}
