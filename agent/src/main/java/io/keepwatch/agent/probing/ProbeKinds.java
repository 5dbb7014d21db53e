package io.keepwatch.agent.probing;

import io.keepwatch.agent.config.ProbeSpec;
import io.keepwatch.probes.TimeBoundProbe;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/** Every kind of probe keepwatch has: the one list the loader, the factory and the docs read. */
public final class ProbeKinds {

  /** The kinds, in the order the documentation lists them. */
  public static final List<ProbeKind> ALL =
      List.of(new ProcessKind(), new TcpKind(), new HttpKind(), new StubStatusKind());

  private ProbeKinds() {}

  /** The kind with this name, if there is one. */
  public static Optional<ProbeKind> named(String name) {
    return ALL.stream().filter(k -> k.name().equals(name)).findFirst();
  }

  /** "http, process, stub-status, tcp": for messages. */
  public static String names() {
    return String.join(", ", new TreeSet<>(ALL.stream().map(ProbeKind::name).toList()));
  }

  /** The probe a spec describes, run under its timeout. */
  public static TimeBoundProbe build(ProbeSpec spec, ProbeContext context) {
    ProbeKind kind =
        named(spec.target().kind())
            .orElseThrow(() -> new IllegalStateException("no kind " + spec.target().kind()));
    return new TimeBoundProbe(kind.build(spec, context), spec.timeout(), context.networkLoop());
  }
}
