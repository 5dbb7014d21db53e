package io.keepwatch.agent.cli;

import io.keepwatch.agent.endpoints.StartFailure;

/** keepwatch's exit codes; the config and usage ones are from sysexits.h. */
final class ExitCodes {
  static final int OK = 0;

  /** status: the agent answered, and the node is not UP. */
  static final int NOT_UP = 1;

  /** reload: the agent refused the file (or it does not load); the running config stays. */
  static final int REFUSED = 1;

  /** run: could not start for a reason none of the codes below names. */
  static final int FAILED = 1;

  /** EX_UNAVAILABLE: an address or the control socket is in use, or not on this host. */
  static final int UNAVAILABLE = 69;

  /** EX_CANTCREAT: a file or directory the agent needs cannot be created. */
  static final int CANNOT_CREATE = 73;

  /** EX_NOPERM: the operating system refused (a port below 1024, a directory not ours). */
  static final int NO_PERMISSION = 77;

  /** status: the agent could not be reached (LSB: "program is not running"). */
  static final int NOT_RUNNING = 3;

  /** EX_USAGE: the command line was wrong. */
  static final int USAGE = 64;

  /** EX_CONFIG: the configuration is invalid; systemd should not restart-loop on it. */
  static final int CONFIG = 78;

  private ExitCodes() {}

  /** The exit code of {@code run} for an endpoint that cannot start. */
  static int of(StartFailure.Kind kind) {
    return switch (kind) {
      case IN_USE, NOT_AVAILABLE -> UNAVAILABLE;
      case PERMISSION -> NO_PERMISSION;
      case CANNOT_CREATE -> CANNOT_CREATE;
      case CONFIG -> CONFIG;
    };
  }
}
