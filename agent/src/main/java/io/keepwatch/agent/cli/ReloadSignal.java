package io.keepwatch.agent.cli;

import java.lang.reflect.Proxy;
import java.util.logging.Logger;

/**
 * SIGHUP reloads the configuration, as for nginx and keepalived ({@code systemctl reload
 * keepwatch}). The JDK has no public API for signals other than shutdown hooks; sun.misc.Signal
 * (module jdk.unsupported, exported for exactly this) is the way. It is reached by reflection
 * because javac warns about every direct use of sun.misc with no way to silence it, and this build
 * treats warnings as errors. Each reload runs on its own thread, so the signal dispatcher never
 * waits on one.
 */
final class ReloadSignal {

  private static final Logger LOG = Logger.getLogger("keepwatch");

  private ReloadSignal() {}

  /** Installs the handler; says so (and goes on without it) if this JVM has no sun.misc.Signal. */
  static void install(Runnable reload) {
    Runnable onSignal =
        () -> {
          LOG.info("SIGHUP: reloading the configuration");
          Thread thread = new Thread(reload, "keepwatch-reload");
          thread.setDaemon(true);
          thread.start();
        };
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handler = Class.forName("sun.misc.SignalHandler");
      Object proxy =
          Proxy.newProxyInstance(
              handler.getClassLoader(),
              new Class<?>[] {handler},
              (self, method, args) -> {
                if (method.getName().equals("handle")) {
                  onSignal.run();
                }
                return null;
              });
      Object previous =
          signal
              .getMethod("handle", signal, handler)
              .invoke(null, signal.getConstructor(String.class).newInstance("HUP"), proxy);
      if (previous == handler.getField("SIG_IGN").get(null)) {
        // The JVM leaves a signal ignored at start (nohup, some supervisors) ignored for good.
        LOG.warning(
            "SIGHUP is ignored in this process (started under nohup?): reload the configuration by"
                + " restarting keepwatch");
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warning(
          "cannot handle SIGHUP (" + e + "); reload the configuration by restarting keepwatch");
    }
  }
}
