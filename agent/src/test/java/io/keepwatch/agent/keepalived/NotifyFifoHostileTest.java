package io.keepwatch.agent.keepalived;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.metrics.KeepwatchMeters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a hostile or merely chatty writer of the notify FIFO can do, and cannot (issue 14). */
@org.junit.jupiter.api.Timeout(value = 60, unit = java.util.concurrent.TimeUnit.SECONDS)
class NotifyFifoHostileTest {

  @TempDir Path dir;
  final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
  final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
            warnings.add(record);
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final VrrpRoles roles =
      new VrrpRoles(
          Clock.systemUTC(), new KeepwatchMeters(registry, List.of(), () -> null, "test"));
  Path fifo;
  NotifyFifoReader reader;

  @BeforeEach
  void start() {
    Logger.getLogger("keepwatch").addHandler(capture);
    fifo = dir.resolve("vrrp.fifo");
    reader = new NotifyFifoReader(fifo, roles);
    reader.start();
    NotifyFifoTest.await(() -> Files.exists(fifo), e -> e);
  }

  @AfterEach
  void stop() {
    reader.close();
    Logger.getLogger("keepwatch").removeHandler(capture);
  }

  /** Regression: 100k checker lines (global notify_fifo) gave 100k WARNING lines. */
  @Test
  void checkerLinesAreReadAndIgnoredQuietly() throws Exception {
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 50_000; i++) {
      lines.append("VS [192.0.2.1]:tcp:80 ").append(i % 2 == 0 ? "UP" : "DOWN").append('\n');
      lines.append("RS [10.0.0.").append(i % 250).append("]:tcp:80 [192.0.2.1]:tcp:80 DOWN\n");
    }
    lines.append("INSTANCE \"VI_1\" MASTER 100\n");
    NotifyFifoTest.write(fifo, lines.toString());
    NotifyFifoTest.await(() -> roles.roles().containsKey("VI_1"), e -> e);
    assertEquals(List.of(), messages());
  }

  /** Regression: each new state word was a new metric series; 99999 was taken as a priority. */
  @Test
  void unknownStatesAndPrioritiesNeverReachAMetricAndAreWarnedAboutAtMostOnceASecond()
      throws Exception {
    StringBuilder lines = new StringBuilder("INSTANCE \"VI_1\" MASTER 100\n");
    for (int i = 0; i < 20_000; i++) {
      lines.append("INSTANCE \"VI_1\" STATE").append(i).append(" 100\n");
    }
    lines.append("INSTANCE \"VI_1\" BACKUP 99999\nINSTANCE \"VI_1\" FAULT 90\n");
    NotifyFifoTest.write(fifo, lines.toString());
    NotifyFifoTest.await(() -> roles.roles().get("VI_1").state(), s -> s.equals("FAULT"));
    assertEquals(90, roles.roles().get("VI_1").priority());
    // the four states of VI_1, each a gauge and a counter: nothing else
    assertEquals(4, registry.find("keepwatch.vrrp.transitions").counters().size());
    assertEquals(4, registry.find("keepwatch.vrrp.state").gauges().size());
    assertTrue(warnings.size() <= 3, messages()::toString);
    assertTrue(
        messages().get(0).contains("unknown state 'STATE0' for 'VI_1'"), messages()::toString);
  }

  /** Regression: names were read byte by byte as Latin-1, garbling every UTF-8 name. */
  @Test
  void utf8NamesComeThroughIntact() throws Exception {
    NotifyFifoTest.write(fifo, "INSTANCE \"VI_Zürich_東京\" MASTER 100\n");
    NotifyFifoTest.await(() -> roles.roles().containsKey("VI_Zürich_東京"), e -> e);
  }

  private List<String> messages() {
    return warnings.stream().map(LogRecord::getMessage).toList();
  }
}
