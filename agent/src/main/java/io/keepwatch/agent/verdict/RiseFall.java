package io.keepwatch.agent.verdict;

/**
 * The rise/fall debounce of one probe, as a pure value (the kubelet's prober keeps the same pair):
 * the probe's health, the last outcome and how many times in a row it repeated. Health flips only
 * when a run reaches {@code rise} successes or {@code fall} failures, exactly as keepalived's
 * vrrp_script counts them. A new probe is UNKNOWN until its first run completes a rise or a fall.
 *
 * @param health the debounced health
 * @param lastHealthy the last run's outcome
 * @param run how many runs in a row had that outcome (0 before the first)
 */
public record RiseFall(Health health, boolean lastHealthy, int run) {

  /** The debounced health of a probe. */
  public enum Health {
    UNKNOWN,
    UP,
    DOWN
  }

  public static RiseFall initial() {
    return new RiseFall(Health.UNKNOWN, false, 0);
  }

  /** The state after one more run. */
  public RiseFall next(boolean healthy, int rise, int fall) {
    int newRun = run > 0 && healthy == lastHealthy ? saturatedIncrement(run) : 1;
    Health newHealth = health;
    if (healthy && newRun >= rise) {
      newHealth = Health.UP;
    } else if (!healthy && newRun >= fall) {
      newHealth = Health.DOWN;
    }
    return new RiseFall(newHealth, healthy, newRun);
  }

  public int consecutiveSuccesses() {
    return lastHealthy ? run : 0;
  }

  public int consecutiveFailures() {
    return lastHealthy ? 0 : run;
  }

  private static int saturatedIncrement(int n) {
    return n == Integer.MAX_VALUE ? n : n + 1;
  }
}
