package io.keepwatch.agent.it;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A java agent ({@code -javaagent:oom.jar=MODE:FILE}) that waits until FILE says "1" (the agent is
 * UP and keepalived trusts it), then runs out of memory in a thread of its own: {@code heap}
 * allocates until the JVM raises OutOfMemoryError, {@code thrown} throws one as code does (Netty's
 * direct memory, a thread that cannot start). One class, no lambdas: the test puts this one class
 * file in a jar. Bounded: it gives up after 60 s.
 */
public final class OomAgent implements Runnable {

  private final String mode;
  private final Path file;

  private OomAgent(String mode, Path file) {
    this.mode = mode;
    this.file = file;
  }

  public static void premain(String args) {
    int colon = args.indexOf(':');
    Thread t =
        new Thread(
            new OomAgent(args.substring(0, colon), Path.of(args.substring(colon + 1))), "test-oom");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void run() {
    long end = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < end && !says1()) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        return;
      }
    }
    System.err.println("OomAgent: the track file says 1; running out of memory (" + mode + ")");
    if (mode.equals("thrown")) {
      throw new OutOfMemoryError("Direct buffer memory (thrown by the test's agent)");
    }
    List<long[]> hog = new ArrayList<>();
    while (System.nanoTime() < end) {
      hog.add(new long[1 << 17]); // 1 MiB at a time, kept
    }
    System.err.println("OomAgent: still alive holding " + hog.size() + " MiB");
  }

  private boolean says1() {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII).strip().equals("1");
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
