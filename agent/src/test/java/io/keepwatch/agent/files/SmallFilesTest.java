package io.keepwatch.agent.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmallFilesTest {

  @TempDir Path dir;

  @Test
  void replacesWholeAndLeavesNoTemporaryFile() throws Exception {
    Path file = dir.resolve("track");
    SmallFiles.replace(file, "1\n");
    SmallFiles.replace(file, "0\n");
    assertEquals("0\n", Files.readString(file));
    assertFalse(Files.exists(dir.resolve(".track.tmp")));
  }

  /** Regression: the temporary file was opened through a link planted at its name. */
  @Test
  void aLinkPlantedAtTheTemporaryNameIsNotFollowed() throws Exception {
    Path victim = Files.writeString(dir.resolve("victim"), "precious\n");
    Files.createSymbolicLink(dir.resolve(".track.tmp"), victim);
    Path file = dir.resolve("track");
    SmallFiles.replace(file, "1\n");
    assertEquals("precious\n", Files.readString(victim), "the link's target was written");
    assertEquals("1\n", Files.readString(file));
  }
}
