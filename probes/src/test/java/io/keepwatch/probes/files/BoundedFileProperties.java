package io.keepwatch.probes.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Whatever a file holds, a read returns it whole within the limit, or refuses naming the limit. */
class BoundedFileProperties {

  @Property(tries = 300)
  void aReadIsWholeOrARefusalNamingTheLimit(
      @ForAll @IntRange(min = 0, max = 20_000) int size,
      @ForAll @IntRange(min = 1, max = 10_000) int limit)
      throws Exception {
    Path dir = Files.createTempDirectory("bounded");
    Path file = dir.resolve("f");
    try {
      byte[] bytes = new byte[size];
      java.util.Arrays.fill(bytes, (byte) '7');
      Files.write(file, bytes);
      if (size <= limit) {
        assertArrayEquals(bytes, BoundedFile.read(file, limit));
      } else {
        BoundedFile.Refused refused =
            org.junit.jupiter.api.Assertions.assertThrows(
                BoundedFile.Refused.class, () -> BoundedFile.read(file, limit));
        assertEquals(
            file + " is " + size + " bytes, more than the limit of " + limit, refused.getMessage());
      }
    } finally {
      Files.deleteIfExists(file);
      Files.delete(dir);
    }
  }
}
