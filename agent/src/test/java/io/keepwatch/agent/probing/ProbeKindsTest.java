package io.keepwatch.agent.probing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The list of kinds is the one source: reference.conf has a defaults block for each kind and for
 * nothing else, and the README's probe table names each. A new kind that forgot either fails here.
 */
class ProbeKindsTest {

  static Set<String> kinds() {
    return ProbeKinds.ALL.stream().map(ProbeKind::name).collect(Collectors.toSet());
  }

  @Test
  void referenceConfHasADefaultsBlockForEachKindAndNoOther() {
    Set<String> blocks =
        new TreeSet<>(
            ConfigFactory.parseResources(getClass().getClassLoader(), "reference.conf")
                .getObject("keepwatch.probe-defaults")
                .keySet());
    blocks.remove("common");
    assertEquals(new TreeSet<>(kinds()), blocks);
  }

  @Test
  void theReadmeDocumentsEachKind() throws Exception {
    // surefire runs in the module's directory; the README is at the top of the repository
    String readme = Files.readString(Path.of("..", "README.md"));
    for (String kind : kinds()) {
      assertTrue(readme.contains("| `" + kind + "` |"), "README.md has no row for kind " + kind);
    }
  }

  @Test
  void namesAreListedSortedForMessages() {
    assertEquals("http, process, stub-status, tcp", ProbeKinds.names());
  }
}
