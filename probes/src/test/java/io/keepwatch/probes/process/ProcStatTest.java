package io.keepwatch.probes.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProcStatTest {

  @Test
  void parsesARealStatLine() {
    ProcStat stat =
        ProcStat.parse("4242 (nginx) S 1 4242 4242 0 -1 4194624 95 0 0 0 0 0 0 0 20 0 1 0");
    assertEquals(new ProcStat(4242, "nginx", 'S', 1), stat);
    assertTrue(stat.live());
  }

  @Test
  void commMayHoldSpacesAndParentheses() {
    ProcStat stat = ProcStat.parse("77 (we (ird) name) T 5 77 77 0");
    assertEquals("we (ird) name", stat.comm());
    assertEquals('T', stat.state());
    assertFalse(stat.live());
  }

  @Test
  void zombieAndTracedAreNotLive() {
    assertFalse(ProcStat.parse("1 (nginx) Z 0").live());
    assertFalse(ProcStat.parse("1 (nginx) t 0").live());
    assertTrue(ProcStat.parse("1 (nginx) D 0").live());
  }

  @Test
  void rejectsGarbageWithTheText() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ProcStat.parse("garbage"));
    assertTrue(e.getMessage().contains("'garbage'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ProcStat.parse("12 (nginx)"));
    assertThrows(IllegalArgumentException.class, () -> ProcStat.parse("x (nginx) S 1"));
  }
}
