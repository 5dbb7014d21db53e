package io.keepwatch.agent.verdict;

import io.keepwatch.agent.config.ProbeSpec;
import io.keepwatch.probes.ProbeResult;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * Turns probe results into the node verdict. Results must arrive on one thread (the
 * scheduler's); readers on any thread get the latest {@link Snapshot}. The /check answer is
 * rebuilt only when the verdict changes, never on request.
 *
 * <p>Rules: any critical probe DOWN makes the node DOWN (the reasons of all of them, in
 * configuration order); otherwise any critical probe still UNKNOWN keeps it STARTING;
 * otherwise it is UP. Non-critical probes are reported, never judged.
 */
public final class Judge {

  /** Hears about every result and every verdict change; called on the scheduler thread. */
  public interface Listener {
    default void resultRecorded(ProbeStatus before, ProbeStatus after) {}

    default void verdictChanged(Verdict before, Verdict after) {}
  }

  private final Clock clock;
  private final Map<String, ProbeStatus> probes = new LinkedHashMap<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private volatile Snapshot snapshot;

  public Judge(List<ProbeSpec> specs, Clock clock) {
    this.clock = clock;
    for (ProbeSpec spec : specs) {
      probes.put(spec.name(), ProbeStatus.initial(spec));
    }
    Verdict first = judge(probes.values(), null);
    snapshot = new Snapshot(first, CheckAnswer.of(first), new ArrayList<>(probes.values()));
  }

  public void addListener(Listener listener) {
    listeners.add(listener);
  }

  /** The latest state; cheap, lock-free, safe from any thread. */
  public Snapshot snapshot() {
    return snapshot;
  }

  /** Records one result of the named probe. Scheduler thread only. */
  public void record(String probeName, ProbeResult result) {
    ProbeStatus before = probes.get(probeName);
    if (before == null) {
      throw new IllegalArgumentException("no probe named " + probeName);
    }
    ProbeStatus after = before.next(result, clock.instant());
    probes.put(probeName, after);

    Snapshot previous = snapshot;
    Verdict verdict = judge(probes.values(), previous.verdict());
    boolean changed = !verdict.sameAs(previous.verdict());
    CheckAnswer answer = changed ? CheckAnswer.of(verdict) : previous.answer();
    snapshot = new Snapshot(changed ? verdict : previous.verdict(), answer, new ArrayList<>(probes.values()));

    for (Listener listener : listeners) {
      listener.resultRecorded(before, after);
    }
    if (changed) {
      for (Listener listener : listeners) {
        listener.verdictChanged(previous.verdict(), verdict);
      }
    }
  }

  private Verdict judge(Iterable<ProbeStatus> statuses, Verdict previous) {
    List<String> down = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    for (ProbeStatus status : statuses) {
      if (!status.spec().critical()) {
        continue;
      }
      switch (status.health()) {
        case DOWN -> down.add(status.spec().name() + ": " + status.reason());
        case UNKNOWN -> unknown.add(status.spec().name());
        case UP -> { }
      }
    }
    NodeState state;
    String reason;
    if (!down.isEmpty()) {
      state = NodeState.DOWN;
      reason = String.join("; ", down);
    } else if (!unknown.isEmpty()) {
      state = NodeState.STARTING;
      reason = "waiting for the first verdict of " + unknown.stream().collect(Collectors.joining(", "));
    } else {
      state = NodeState.UP;
      reason = "";
    }
    boolean sameState = previous != null && previous.state() == state;
    return new Verdict(state, reason, sameState ? previous.since() : clock.instant());
  }
}
