package io.keepwatch.agent.keepalived;

import io.keepwatch.agent.files.SmallFiles;
import io.keepwatch.agent.verdict.Inherited;
import io.keepwatch.agent.verdict.Judge;
import io.keepwatch.agent.verdict.NodeState;
import io.keepwatch.agent.verdict.Snapshot;
import io.keepwatch.agent.verdict.Verdict;
import io.keepwatch.probes.Printable;
import io.keepwatch.probes.files.BoundedFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The agent's lease: its last answers and until when they stand while the agent is not there to
 * give them. One line, {@code CHECK SERVING EXPIRES}: 1 or 0 for /check and /check/serving, and the
 * end of the lease in hundredths of a second since boot (/proc/uptime).
 *
 * <p>Readers: keepwatch-check, when the agent cannot be reached (a restart, an upgrade, a crash and
 * systemd's restart: the VIP stays; gone for good: the lease runs out); and the next agent at
 * start, which answers as this one did until its own first verdict (see {@link Inherited}). The
 * agent renews it with every verdict change and every second while it has a verdict: an agent that
 * never comes to one (a crash loop, a hang) lets it run out.
 *
 * <p>Threads: any; writes are serialized.
 */
public final class AgentLease implements Judge.Listener {

  /** The lease file's name; it lives beside the control socket, in the runtime directory. */
  public static final String NAME = "lease";

  private static final Logger LOG = Logger.getLogger("keepwatch");

  private final Path file;
  private final Duration length;
  private final Supplier<Snapshot> snapshots;
  private final LongSupplier uptime;
  private String problem; // the last problem logged; guarded by this

  public AgentLease(Path controlSocket, Duration length, Supplier<Snapshot> snapshots) {
    this(
        controlSocket.resolveSibling(NAME),
        length,
        snapshots,
        () -> Uptime.centiseconds().orElse(-1));
  }

  AgentLease(Path file, Duration length, Supplier<Snapshot> snapshots, LongSupplier uptime) {
    this.file = file;
    this.length = length;
    this.snapshots = snapshots;
    this.uptime = uptime;
  }

  public Path path() {
    return file;
  }

  /** What the previous agent's lease still holds, and for how long; empty when nothing valid. */
  public Optional<Held> held() {
    long now = uptime.getAsLong();
    if (now < 0 || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    String text;
    try {
      text = new String(BoundedFile.read(file, 64), StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      return Optional.empty();
    }
    String[] fields = text.split(" ", -1);
    if (fields.length != 3
        || !fields[0].matches("[01]")
        || !fields[1].matches("[01]")
        || !fields[2].matches("[0-9]{1,15}")) {
      LOG.warning(
          "lease " + file + " holds " + Printable.quoted(text, 64) + ", not a lease: not kept");
      return Optional.empty();
    }
    long left = Long.parseLong(fields[2]) - now;
    if (left <= 0 || left > length.toMillis() / 10) {
      return Optional.empty(); // run out, or from before a reboot
    }
    return Optional.of(
        new Held(
            new Inherited(fields[0].equals("1"), fields[1].equals("1")),
            Duration.ofMillis(left * 10)));
  }

  /**
   * A previous agent's answers and how long they still stand.
   *
   * @param answers what it answered
   * @param left how long they still stand
   */
  public record Held(Inherited answers, Duration left) {}

  /** Renews with the current answers, unless the agent has no verdict of its own yet. */
  public void renew() {
    Snapshot now = snapshots.get();
    if (now.verdict().state() == NodeState.STARTING) {
      return; // an inherited answer is not ours to extend: it runs out as the last agent left it
    }
    write(now.answer().up(), now.serving().up());
  }

  /** The answers changed: the lease says so at once, not at the next renewal. */
  @Override
  public void verdictChanged(Verdict before, Verdict after) {
    renew();
  }

  /**
   * The agent stops and keepalived would not notice its absence (no track_process): nothing may
   * stand for it, so the next agent starts from nothing and keepwatch-check fails.
   */
  public void surrender() {
    write(false, false);
  }

  private synchronized void write(boolean check, boolean serving) {
    long now = uptime.getAsLong();
    if (now < 0) {
      report("cannot read /proc/uptime: no lease written");
      return;
    }
    String line = (check ? 1 : 0) + " " + (serving ? 1 : 0) + " " + (now + length.toMillis() / 10);
    try {
      SmallFiles.replaceReadableByAll(file, line + "\n");
      problem = null;
    } catch (IOException e) {
      report(
          "cannot write the lease "
              + file
              + " ("
              + e
              + "): keepwatch-check will not trust this agent when it cannot reach it");
    }
  }

  private void report(String message) {
    if (!message.equals(problem)) {
      problem = message;
      LOG.warning(message);
    }
  }
}
