package io.keepwatch.agent.metrics;

import io.keepwatch.agent.config.ProbeSpec;
import io.keepwatch.agent.keepalived.VrrpRoles;
import io.keepwatch.agent.supervisor.Supervisor;
import io.keepwatch.agent.verdict.Judge;
import io.keepwatch.agent.verdict.NodeState;
import io.keepwatch.agent.verdict.ProbeStatus;
import io.keepwatch.agent.verdict.RiseFall;
import io.keepwatch.agent.verdict.Snapshot;
import io.keepwatch.probes.ProbeResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Every keepwatch_* meter, defined in this one place. Gauges read the latest {@link Snapshot}
 * through a strong reference: Micrometer keeps gauge state weakly, and a method reference held by
 * nothing else would be collected, leaving every gauge NaN after the first GC; counters and timers
 * are fed by the Judge (each probe result), the endpoint (each /check) and the supervisor
 * (restarts, escalations). Label values are bounded: probe names come from the configuration,
 * outcomes, states and results are fixed sets.
 */
public final class KeepwatchMeters
    implements Judge.Listener, Supervisor.Observer, VrrpRoles.Observer {

  /** Probe latencies fall in these buckets (seconds): from a /proc read to an http timeout. */
  private static final Duration[] LATENCY_BUCKETS = {
    Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
    Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
    Duration.ofSeconds(1), Duration.ofMillis(2500)
  };

  private final MeterRegistry registry;
  private final Supplier<Snapshot> snapshots;

  /** Each VRRP instance's last reported state: written by the FIFO reader, read by scrapes. */
  private final Map<String, String> vrrpStates = new ConcurrentHashMap<>();

  /** The meters of the configured probes, replaced whole by a config reload. */
  private volatile ProbeMeters probeMeters = new ProbeMeters(Map.of(), Map.of(), List.of());

  /** keepwatch_check_requests_total by endpoint ("check", "serving") and answer ("up", "down"). */
  private final Map<String, Counter> checks;

  private final Counter restartsSucceeded;
  private final Counter restartsFailed;
  private final Counter escalations;
  private final Counter reloadsApplied;
  private final Counter connectionsEvicted;
  private final Counter reloadsRefused;
  private final Counter authMissing;
  private final Counter authWrong;
  private final Counter tlsHandshakesFailed;

  public KeepwatchMeters(
      MeterRegistry registry,
      List<ProbeSpec> probes,
      Supplier<Snapshot> snapshots,
      String version) {
    this.registry = registry;
    for (NodeState state : NodeState.values()) {
      Gauge.builder(
              "keepwatch.verdict.state", snapshots, s -> s.get().verdict().state() == state ? 1 : 0)
          .description("1 for the node's current verdict state, 0 for the others")
          .strongReference(true)
          .tag("state", state.name())
          .register(registry);
    }
    Gauge.builder("keepwatch.check.up", snapshots, s -> s.get().answer().up() ? 1 : 0)
        .description("1 when /check answers 200 (what keepalived's vrrp_script sees)")
        .strongReference(true)
        .register(registry);
    Gauge.builder(
            "keepwatch.maintenance",
            snapshots,
            s -> s.get().verdict().state() == NodeState.MAINTENANCE ? 1 : 0)
        .description("1 while an operator has drained the node")
        .strongReference(true)
        .register(registry);
    this.snapshots = snapshots;
    useProbes(probes);
    checks =
        Map.of(
            "check/up", checkCounter("check", "up"),
            "check/down", checkCounter("check", "down"),
            "serving/up", checkCounter("serving", "up"),
            "serving/down", checkCounter("serving", "down"));
    restartsSucceeded = restartCounter("success");
    restartsFailed = restartCounter("failure");
    connectionsEvicted =
        Counter.builder("keepwatch.http.connections.evicted")
            .description(
                "Endpoint connections closed because the connection limit was reached (a flood or slowloris)")
            .register(registry);
    reloadsApplied = reloadCounter("applied");
    reloadsRefused = reloadCounter("refused");
    escalations =
        Counter.builder("keepwatch.escalations")
            .description(
                "Times the node was escalated (restart budget spent or config test failed)")
            .register(registry);
    authMissing = authFailureCounter("missing");
    authWrong = authFailureCounter("wrong");
    tlsHandshakesFailed =
        Counter.builder("keepwatch.http.tls.handshake.failures")
            .description("TLS handshakes the network listener failed (plain HTTP, bad client cert)")
            .register(registry);
    Gauge.builder("keepwatch.build.info", () -> 1)
        .description("keepwatch's version")
        .tag("version", version)
        .register(registry);
  }

  /** Per-probe meters: one reader thread (the scheduler's), one writer (start, reload). */
  private record ProbeMeters(
      Map<String, Timer> durations,
      Map<String, Map<ProbeResult.Outcome, Counter>> failures,
      List<Meter> all) {}

  /**
   * Registers the per-probe meters of these probes, and removes those of probes no longer
   * configured (a reload), so /metrics shows no series of a probe that is gone.
   */
  public synchronized void useProbes(List<ProbeSpec> probes) {
    probeMeters.all().forEach(registry::remove);
    Map<String, Timer> durations = new HashMap<>();
    Map<String, Map<ProbeResult.Outcome, Counter>> failuresByProbe = new HashMap<>();
    List<Meter> all = new ArrayList<>();
    for (ProbeSpec spec : probes) {
      String name = spec.name();
      String kind = spec.target().kind();
      all.add(
          Gauge.builder("keepwatch.probe.up", snapshots, s -> probeUp(s.get(), name))
              .description(
                  "1 while the probe's debounced health is UP, 0 when DOWN or not yet known")
              .strongReference(true)
              .tags("probe", name, "kind", kind, "critical", Boolean.toString(spec.critical()))
              .register(registry));
      Timer duration =
          Timer.builder("keepwatch.probe.duration")
              .description("How long each probe run took, timeouts included")
              .tags("probe", name, "kind", kind)
              .serviceLevelObjectives(LATENCY_BUCKETS)
              .register(registry);
      durations.put(name, duration);
      all.add(duration);
      Map<ProbeResult.Outcome, Counter> failures = new EnumMap<>(ProbeResult.Outcome.class);
      for (ProbeResult.Outcome outcome : ProbeResult.Outcome.values()) {
        if (outcome != ProbeResult.Outcome.OK) {
          Counter counter =
              Counter.builder("keepwatch.probe.failures")
                  .description(
                      "Failed probe runs by what was seen (outcome) and what such a failure calls"
                          + " for (on_failure: restart, failover, report)")
                  .tags(
                      "probe",
                      name,
                      "kind",
                      kind,
                      "outcome",
                      outcome.label(),
                      "on_failure",
                      spec.calledFor(outcome).label())
                  .register(registry);
          failures.put(outcome, counter);
          all.add(counter);
        }
      }
      failuresByProbe.put(name, failures);
    }
    probeMeters =
        new ProbeMeters(Map.copyOf(durations), Map.copyOf(failuresByProbe), List.copyOf(all));
  }

  /** An endpoint closed a connection to stay within its connection limit. Any thread. */
  public void connectionEvicted() {
    connectionsEvicted.increment();
  }

  /** A config reload was applied (true) or refused (false). */
  public void reloaded(boolean applied) {
    (applied ? reloadsApplied : reloadsRefused).increment();
  }

  private Counter reloadCounter(String result) {
    return Counter.builder("keepwatch.config.reloads")
        .description(
            "Config reloads (SIGHUP or keepwatch reload) by result: applied, or refused and the"
                + " running config kept")
        .tag("result", result)
        .register(registry);
  }

  private Counter checkCounter(String endpoint, String answer) {
    return Counter.builder("keepwatch.check.requests")
        .description(
            "GET/HEAD /check (endpoint check) and /check/serving (endpoint serving) requests by the"
                + " answer given")
        .tags("endpoint", endpoint, "answer", answer)
        .register(registry);
  }

  private Counter restartCounter(String result) {
    return Counter.builder("keepwatch.restarts")
        .description(
            "nginx restarts by result: success when the probes rose with a new master in time")
        .tag("result", result)
        .register(registry);
  }

  private static double probeUp(Snapshot snapshot, String probe) {
    for (ProbeStatus status : snapshot.probes()) {
      if (status.spec().name().equals(probe)) {
        return status.health() == RiseFall.Health.UP ? 1 : 0;
      }
    }
    return 0;
  }

  @Override
  public void resultRecorded(ProbeStatus before, ProbeStatus after) {
    ProbeResult result = after.last().orElseThrow();
    String name = after.spec().name();
    ProbeMeters meters = probeMeters;
    Timer duration = meters.durations().get(name);
    if (duration == null) {
      return; // a late result of a probe a reload removed
    }
    duration.record(result.latency());
    if (!result.healthy()) {
      meters.failures().get(name).get(result.outcome()).increment();
    }
  }

  /** The multi-gauge that carries the nginx config fingerprint as a label. */
  MultiGauge configInfo() {
    return MultiGauge.builder("keepwatch.nginx.config.info")
        .description(
            "1, labelled with the fingerprint (sha256 prefix) of nginx -T; differs between nodes = configs differ")
        .register(registry);
  }

  /**
   * One /check or /check/serving answered. Called on the endpoint's event loop.
   *
   * @param endpoint "check" or "serving"
   */
  public void checkAnswered(String endpoint, boolean up) {
    checks.get(endpoint + (up ? "/up" : "/down")).increment();
  }

  /** A restart attempt ended. */
  @Override
  public void restartFinished(boolean worked) {
    (worked ? restartsSucceeded : restartsFailed).increment();
  }

  /** keepwatch_keepalived_up: whether keepalived runs, as the agent's watch last saw. */
  public void watchKeepalived(java.util.function.BooleanSupplier up) {
    Gauge.builder("keepwatch.keepalived.up", up, u -> u.getAsBoolean() ? 1 : 0)
        .description("1 while keepalived runs on this node (its pidfile names a live keepalived)")
        .strongReference(true)
        .register(registry);
  }

  /** The node was escalated. */
  @Override
  public void escalated() {
    escalations.increment();
  }

  /**
   * The network listener refused a request with 401: no credentials ("missing") or a wrong user or
   * password ("wrong"). Any thread.
   */
  public void authFailed(boolean credentialsGiven) {
    (credentialsGiven ? authWrong : authMissing).increment();
  }

  /** A TLS handshake on the network listener failed. Any thread. */
  public void tlsHandshakeFailed() {
    tlsHandshakesFailed.increment();
  }

  private Counter authFailureCounter(String reason) {
    return Counter.builder("keepwatch.http.auth.failures")
        .description("Requests the network listener refused with 401: credentials missing or wrong")
        .tag("reason", reason)
        .register(registry);
  }

  /**
   * Registers keepwatch_vrrp_state{vrrp_instance,state} for an instance keepalived reported for the
   * first time: one series per state, 1 for the current one. The instance names are bounded by
   * VrrpRoles.
   */
  @Override
  public void instanceSeen(String instance) {
    for (String state : VrrpRoles.STATES) {
      // Every "to" series exists at 0 from the first sight of the instance, so the first
      // transition into a state is an increase Prometheus can see (issue 13).
      transitions(instance, state);
      Gauge.builder("keepwatch.vrrp.state", vrrpStates, m -> state.equals(m.get(instance)) ? 1 : 0)
          .description(
              "1 for the VRRP instance's current state as keepalived reported it, 0 for the others")
          .tags("vrrp_instance", instance, "state", state)
          .strongReference(true)
          .register(registry);
    }
  }

  @Override
  public void instanceReported(String instance, String state) {
    vrrpStates.put(instance, state);
    transitions(instance, state).increment();
  }

  private Counter transitions(String instance, String state) {
    return Counter.builder("keepwatch.vrrp.transitions")
        .description("VRRP state changes keepalived reported, by instance and new state")
        .tags("vrrp_instance", instance, "to", state)
        .register(registry);
  }
}
