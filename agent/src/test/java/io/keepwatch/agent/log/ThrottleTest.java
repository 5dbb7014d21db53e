package io.keepwatch.agent.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class ThrottleTest {

  @Test
  void oneWarningASecondEachSayingHowManyWereHeldBack() {
    Logger log = Logger.getLogger("keepwatch.test.throttle");
    log.setUseParentHandlers(false);
    log.setLevel(Level.ALL);
    List<String> warnings = new CopyOnWriteArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            if (record.getLevel().equals(Level.WARNING)) {
              warnings.add(record.getMessage());
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    log.addHandler(capture);
    AtomicLong now = new AtomicLong();
    Throttle throttle = new Throttle(log, now::get);
    for (int i = 0; i < 100_000; i++) {
      now.addAndGet(20_000); // 100,000 lines in 2 s
      throttle.warning("bad line " + i);
    }
    log.removeHandler(capture);
    assertEquals(
        List.of(
            "bad line 0",
            "bad line 50000 (and 49999 more like it in the last second, at debug level)"),
        warnings);
  }
}
