package io.keepwatch.agent.verdict;

import io.keepwatch.agent.config.OnFailure;
import io.keepwatch.agent.config.ProbeSpec;
import io.keepwatch.probes.ProbeResult;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * Turns probe results into the node verdict. Results must arrive on one thread (the scheduler's);
 * readers on any thread get the latest {@link Snapshot}. The /check answers are rebuilt only when
 * the verdict changes, never on request.
 *
 * <p>Rules, over the critical probes: any probe DOWN for a failure that calls for a restart makes
 * the node DOWN (the reasons of every failed probe, in configuration order); otherwise any probe
 * DOWN for a wrong answer (on-failure failover) makes it DEGRADED; otherwise any probe still
 * UNKNOWN keeps it STARTING; otherwise it is UP. Non-critical probes (and on-failure = report) are
 * reported, never judged.
 */
public final class Judge {

  /** Hears about every result and every verdict change; called on the scheduler thread. */
  public interface Listener {
    default void resultRecorded(ProbeStatus before, ProbeStatus after) {}

    /** The node verdict shown to the world (overlay included) changed. */
    default void verdictChanged(Verdict before, Verdict after) {}

    /** The probes' own verdict (STARTING, UP, DEGRADED, DOWN; no overlay) changed. */
    default void probeVerdictChanged(Verdict before, Verdict after) {}
  }

  private final Clock clock;
  private final Map<String, ProbeStatus> probes = new LinkedHashMap<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private volatile Snapshot snapshot;
  private Verdict probeVerdict;
  private Optional<Overlay> overlay = Optional.empty();
  private Optional<Inherited> inherited = Optional.empty();

  public Judge(List<ProbeSpec> specs, Clock clock) {
    this.clock = clock;
    for (ProbeSpec spec : specs) {
      probes.put(spec.name(), ProbeStatus.initial(spec));
    }
    probeVerdict = judge(probes.values(), null);
    snapshot =
        new Snapshot(
            probeVerdict,
            CheckAnswer.of(probeVerdict, false),
            CheckAnswer.serving(probeVerdict, false),
            false,
            new ArrayList<>(probes.values()));
  }

  public void addListener(Listener listener) {
    listeners.add(listener);
  }

  public void removeListener(Listener listener) {
    listeners.remove(listener);
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

    for (Listener listener : listeners) {
      listener.resultRecorded(before, after);
    }
    Verdict previousProbeVerdict = probeVerdict;
    probeVerdict = judge(probes.values(), previousProbeVerdict);
    // The supervisor hears first and may set an overlay (RECOVERING, holding the VIP) before
    // anything is published: otherwise a /check could see a DOWN that lasts microseconds.
    if (!probeVerdict.sameAs(previousProbeVerdict)) {
      for (Listener listener : listeners) {
        listener.probeVerdictChanged(previousProbeVerdict, probeVerdict);
      }
    }
    publish();
  }

  /** The probes' own verdict, without overlay. Scheduler thread only. */
  public Verdict probeVerdict() {
    return probeVerdict;
  }

  /** Sets or clears what the supervisor says over the probes. Scheduler thread only. */
  public void setOverlay(Optional<Overlay> newOverlay) {
    if (!newOverlay.equals(overlay)) {
      overlay = newOverlay;
      publish();
    }
  }

  /**
   * Answers as the previous agent did while this one is STARTING (see {@link Inherited}), or stops
   * doing so (empty: its lease ran out). Only the first verdict of the probes ends it otherwise.
   * Scheduler thread only, or before any listener is added.
   */
  public void inherit(Optional<Inherited> answers) {
    if (!answers.equals(inherited)) {
      inherited = answers;
      publish();
    }
  }

  /**
   * Publishes a new snapshot. The shown verdict is the overlay if there is one, else the probes'
   * verdict; "since" is kept while the shown state stays the same. The answers are rebuilt only
   * when the shown verdict or the hold of the VIP changed.
   */
  private void publish() {
    Snapshot previous = snapshot;
    NodeState state = overlay.map(Overlay::state).orElse(probeVerdict.state());
    String reason = overlay.map(Overlay::reason).orElse(probeVerdict.reason());
    boolean holdsVip = overlay.map(Overlay::holdsVip).orElse(false);
    Optional<Inherited> kept = state == NodeState.STARTING ? inherited : Optional.empty();
    if (kept.isPresent()) {
      reason += "; answering as the previous agent did until then";
    }
    Instant since =
        state == previous.verdict().state() ? previous.verdict().since() : clock.instant();
    Verdict shown = new Verdict(state, reason, since);
    boolean changed = !shown.sameAs(previous.verdict()) || holdsVip != previous.holdsVip();
    if (!changed) {
      snapshot =
          new Snapshot(
              previous.verdict(),
              previous.answer(),
              previous.serving(),
              holdsVip,
              new ArrayList<>(probes.values()));
      return;
    }
    snapshot =
        new Snapshot(
            shown,
            kept.map(k -> CheckAnswer.answer(shown, k.checkUp()))
                .orElse(CheckAnswer.of(shown, holdsVip)),
            kept.map(k -> CheckAnswer.answer(shown, k.servingUp()))
                .orElse(CheckAnswer.serving(shown, holdsVip)),
            holdsVip,
            new ArrayList<>(probes.values()));
    for (Listener listener : listeners) {
      listener.verdictChanged(previous.verdict(), shown);
    }
  }

  private Verdict judge(Iterable<ProbeStatus> statuses, Verdict previous) {
    List<String> failed = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    boolean restartable = false;
    for (ProbeStatus status : statuses) {
      if (!status.spec().critical()) {
        continue;
      }
      switch (status.health()) {
        case DOWN -> {
          if (status.onFailure() != OnFailure.REPORT) {
            failed.add(status.spec().name() + ": " + status.reason());
            restartable |= status.onFailure() == OnFailure.RESTART;
          }
        }
        case UNKNOWN -> unknown.add(status.spec().name());
        case UP -> {}
      }
    }
    NodeState state;
    String reason;
    if (!failed.isEmpty()) {
      state = restartable ? NodeState.DOWN : NodeState.DEGRADED;
      reason = String.join("; ", failed);
    } else if (!unknown.isEmpty()) {
      state = NodeState.STARTING;
      reason =
          "waiting for the first verdict of " + unknown.stream().collect(Collectors.joining(", "));
    } else {
      state = NodeState.UP;
      reason = "";
    }
    boolean sameState = previous != null && previous.state() == state;
    return new Verdict(state, reason, sameState ? previous.since() : clock.instant());
  }
}
