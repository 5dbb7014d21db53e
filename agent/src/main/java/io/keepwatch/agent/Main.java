package io.keepwatch.agent;

import io.keepwatch.agent.cli.Cli;

/** Entry point of keepwatch.jar; the only place that calls System.exit. */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    System.exit(new Cli(System.out, System.err).run(args));
  }
}
