package io.keepwatch.agent.keepalived;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.agent.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * keepalived's own parser finds nothing to say about any shipped example: no unknown keyword, and
 * no setting it quietly drops (it cleared {@code preempt_delay} on an instance that started as
 * MASTER, with only a warning). The lab runs the files for real; this reads every one of them.
 */
class KeepalivedExamplesTest {

  private static final Path KEEPALIVED = Path.of("/usr/sbin/keepalived");
  private static final Path EXAMPLES = Path.of("../examples/keepalived");

  @Test
  void keepalivedParsesEveryExampleWithoutAWord() throws IOException, InterruptedException {
    Assumptions.assumeTrue(Files.isExecutable(KEEPALIVED), KEEPALIVED + " is not installed");
    List<Path> examples;
    try (Stream<Path> files = Files.list(EXAMPLES)) {
      examples = files.filter(f -> f.toString().endsWith(".conf")).sorted().toList();
    }
    assertTrue(examples.size() >= 8, "examples: " + examples);
    for (Path example : examples) {
      // -t: parse and exit; 2.2.7 terminates itself (143) once a vrrp_script is configured.
      Commands.Result r =
          Commands.run(KEEPALIVED.toString(), "-t", "-l", "-D", "-f", example.toString());
      assertTrue(r.exitCode() == 0 || r.exitCode() == 143, example + ": exit " + r.exitCode());
      assertEquals("", r.output().strip(), example + ": keepalived -t said something");
    }
  }
}
