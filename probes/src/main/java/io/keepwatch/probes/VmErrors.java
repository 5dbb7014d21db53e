package io.keepwatch.probes;

/**
 * A VirtualMachineError (out of memory, an internal error) is not a probe's failure: reported as
 * one, it would count toward a restart of a healthy nginx while the process that probes is broken.
 * Where a probe turns what it caught into a result, it first passes such an error to the thread's
 * uncaught-exception handler, where the application decides (keepwatch's ends the JVM after writing
 * its last words).
 */
public final class VmErrors {

  private VmErrors() {}

  /** Hands the first VirtualMachineError in {@code caught}'s causes to the thread's handler. */
  public static void passOn(Throwable caught) {
    for (Throwable t = caught; t != null; t = t.getCause()) {
      if (t instanceof VirtualMachineError error) {
        Thread thread = Thread.currentThread();
        thread.getUncaughtExceptionHandler().uncaughtException(thread, error);
        return;
      }
    }
  }
}
