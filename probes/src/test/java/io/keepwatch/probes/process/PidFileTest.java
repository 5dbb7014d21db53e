package io.keepwatch.probes.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PidFileTest {

  @TempDir Path dir;

  static Stream<Arguments> contents() {
    return Stream.of(
        Arguments.of("4242\n", "names 4242"),
        Arguments.of("  17 \n", "names 17"),
        Arguments.of("", "holds '', not a pid"),
        Arguments.of("abc\u0001", "holds 'abc\\x01', not a pid"),
        Arguments.of("0\n", "holds 0, not a pid"),
        Arguments.of("-5\n", "holds '-5', not a pid"),
        Arguments.of("99999999999\n", "holds '99999999999', not a pid"),
        Arguments.of("4242 4243\n", "holds '4242 4243', not a pid"),
        Arguments.of("4".repeat(33), "is 33 bytes, more than the limit of 32"));
  }

  @ParameterizedTest
  @MethodSource("contents")
  void readsOnlyAPositivePid(String content, String says) throws Exception {
    Path file = dir.resolve("nginx.pid");
    Files.writeString(file, content);
    assertEquals("pidfile " + file + " " + says, PidFile.read(file).describe());
  }

  @Test
  void aMissingFileMeansNginxIsNotRunning() {
    Path file = dir.resolve("nginx.pid");
    assertInstanceOf(PidFile.Missing.class, PidFile.read(file));
    assertEquals(OptionalInt.empty(), PidFile.pid(file));
  }

  @Test
  void aHugeFileIsNotReadWhole() throws Exception {
    Path file = dir.resolve("nginx.pid");
    Files.write(file, new byte[10 << 20]);
    assertEquals(
        "pidfile " + file + " is 10485760 bytes, more than the limit of 32",
        PidFile.read(file).describe());
  }

  @Test
  void devicesFifosAndDirectoriesAreNotOpened() throws Exception {
    Path zero = dir.resolve("zero.pid");
    Files.createSymbolicLink(zero, Path.of("/dev/zero"));
    Path fifo = dir.resolve("fifo.pid");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    assertEquals(0, mkfifo.waitFor());
    for (Path file : new Path[] {zero, fifo, dir}) {
      // A FIFO nobody writes to would block open(2) for good: this must return at once.
      PidFile.Reading reading =
          assertTimeoutPreemptively(Duration.ofSeconds(5), () -> PidFile.read(file));
      assertEquals(
          "pidfile "
              + file
              + " is not a regular file ("
              + (file.equals(dir) ? "a directory" : "a FIFO, socket or device")
              + ")",
          reading.describe());
    }
  }

  @Test
  void pidOfAGoodFile() throws Exception {
    Path file = dir.resolve("nginx.pid");
    Files.writeString(file, "31337\n");
    assertEquals(OptionalInt.of(31337), PidFile.pid(file));
  }
}
