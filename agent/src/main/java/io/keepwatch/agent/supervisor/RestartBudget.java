package io.keepwatch.agent.supervisor;

import io.keepwatch.agent.config.AgentConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The restart budget as a pure value, the way {@code RiseFall} keeps the debounce: how many
 * restarts happened within the sliding window, how many attempts this failure (episode) has had,
 * and the rules that follow from them. Times are monotonic nanoseconds ({@code System.nanoTime()}),
 * so a wall-clock jump changes nothing.
 *
 * <ul>
 *   <li>The budget is spent when {@code maxAttempts} restarts already happened within {@code
 *       window} of now: the next failure escalates instead of restarting.
 *   <li>After a failed attempt the next one waits {@code backoff}, doubled for each further restart
 *       in the window, at most {@link #MAX_BACKOFF}.
 *   <li>Only the first attempt of an episode may hold the VIP (restart.hold-vip).
 * </ul>
 *
 * @param maxAttempts restarts allowed within the window
 * @param window the sliding window
 * @param backoff the wait after the first failed attempt
 * @param restarts when each restart within the window began, oldest first
 * @param attemptsInEpisode attempts since the node last went DOWN
 */
public record RestartBudget(
    int maxAttempts,
    Duration window,
    Duration backoff,
    List<Long> restarts,
    int attemptsInEpisode) {

  /** The longest wait between two attempts, however many failed. */
  public static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  public RestartBudget {
    restarts = List.copyOf(restarts);
  }

  /** A fresh budget under the configured policy. */
  public static RestartBudget of(AgentConfig.Restart policy) {
    return new RestartBudget(policy.maxAttempts(), policy.window(), policy.backoff(), List.of(), 0);
  }

  /** Restarts that began within the window before {@code now}. */
  public int restartsInWindow(long now) {
    return withinWindow(now).size();
  }

  /** Whether the next attempt would exceed the budget: escalate instead. */
  public boolean spent(long now) {
    return restartsInWindow(now) >= maxAttempts;
  }

  /** A new failure begins: its attempts count from zero. */
  public RestartBudget newEpisode() {
    return new RestartBudget(maxAttempts, window, backoff, restarts, 0);
  }

  /** One more attempt of this episode begins (its config test runs first). */
  public RestartBudget attemptStarted() {
    return new RestartBudget(maxAttempts, window, backoff, restarts, attemptsInEpisode + 1);
  }

  /** Whether the attempt in flight is the episode's first: the only one that may hold the VIP. */
  public boolean firstAttempt() {
    return attemptsInEpisode == 1;
  }

  /** The restart command runs at {@code now}: it counts against the budget from here on. */
  public RestartBudget restartedAt(long now) {
    List<Long> next = new ArrayList<>(withinWindow(now));
    next.add(now);
    return new RestartBudget(maxAttempts, window, backoff, next, attemptsInEpisode);
  }

  /** Nothing counts any more: an operator's reset, or nginx healthy again after an escalation. */
  public RestartBudget cleared() {
    return new RestartBudget(maxAttempts, window, backoff, List.of(), 0);
  }

  /** How long to wait after a failed attempt before the next one. */
  public Duration backoffAt(long now) {
    int doublings = Math.min(10, Math.max(0, restartsInWindow(now) - 1));
    Duration wait = backoff.multipliedBy(1L << doublings);
    return wait.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait;
  }

  private List<Long> withinWindow(long now) {
    long oldest = now - window.toNanos();
    // Compare by difference: nanoTime values may wrap.
    return restarts.stream().filter(t -> t - oldest >= 0).toList();
  }
}
