package io.keepwatch.agent.it;

import static io.keepwatch.agent.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keepwatch.agent.Commands.Result;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The .deb as Debian's own checker sees it: no error and no warning from the real lintian. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LintianIT {

  @Test
  void lintianFindsNoErrorAndNoWarning() throws Exception {
    String deb = DebPackageIT.deb().toString();
    Result lintian = run("lintian", "--fail-on", "error,warning", "--display-info", deb);
    System.out.println("lintian --fail-on error,warning --display-info " + deb + "\n" + lintian);
    String findings =
        String.join(
            "\n",
            lintian
                .output()
                .lines()
                .filter(l -> l.startsWith("E: ") || l.startsWith("W: "))
                .toList());
    assertEquals("", findings, "lintian errors and warnings");
    assertEquals(0, lintian.exitCode(), lintian.output());
  }
}
