package io.keepwatch.agent.cli;

/** keepwatch's exit codes; the config and usage ones are from sysexits.h. */
final class ExitCodes {
  static final int OK = 0;

  /** status: the agent answered, and the node is not UP. */
  static final int NOT_UP = 1;

  /** reload: the agent refused the file (or it does not load); the running config stays. */
  static final int REFUSED = 1;

  /** run: could not start (e.g. the endpoint's port is taken). */
  static final int FAILED = 1;

  /** status: the agent could not be reached (LSB: "program is not running"). */
  static final int NOT_RUNNING = 3;

  /** EX_USAGE: the command line was wrong. */
  static final int USAGE = 64;

  /** EX_CONFIG: the configuration is invalid; systemd should not restart-loop on it. */
  static final int CONFIG = 78;

  private ExitCodes() {}
}
