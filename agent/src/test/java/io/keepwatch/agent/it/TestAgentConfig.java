package io.keepwatch.agent.it;

import io.keepwatch.agent.Agent;
import io.keepwatch.agent.config.ConfigError;
import io.keepwatch.agent.config.ConfigLoader;
import io.keepwatch.agent.endpoints.AgentInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent configuration every integration test starts from: loopback only, files in its own dir.
 */
final class TestAgentConfig {

  private TestAgentConfig() {}

  /**
   * HOCON for an agent watching {@code nginx}: HTTP on 127.0.0.1 port 0, the control socket under
   * {@code dir}, nginx's pidfile; {@code lines} go inside {@code keepwatch { }} after that.
   */
  static String hocon(Path dir, RealNginx nginx, String... lines) {
    return hocon(dir, nginx.pidfile(), lines);
  }

  /** The same for an agent whose nginx does not exist: its pidfile under {@code dir} never is. */
  static String withoutNginx(Path dir, String... lines) {
    return hocon(dir, dir.resolve("nginx.pid"), lines);
  }

  /** Starts an agent on {@link #withoutNginx}: it answers, and its node is not UP. */
  static Agent startWithoutNginx(Path dir, AgentInfo info, String... lines)
      throws IOException, ConfigError {
    return Agent.start(ConfigLoader.parse(withoutNginx(dir, lines), "test.conf").config(), info);
  }

  private static String hocon(Path dir, Path pidfile, String... lines) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "keepwatch {",
                "  http.listen = \"127.0.0.1:0\"",
                "  control.socket = \"" + dir.resolve("run/keepwatch.sock") + "\"",
                "  nginx.pidfile = \"" + pidfile + "\""));
    all.addAll(List.of(lines));
    all.add("}");
    return String.join("\n", all);
  }

  /**
   * A restart command (HOCON argv) that takes a second, then creates {@code done} to show it ran to
   * its end, then starts {@code nginx}: for tests of what may cut a restart short.
   */
  static String restartThatTakesASecond(RealNginx nginx, Path done) {
    return "[\"/bin/sh\", \"-c\", \"sleep 1; touch "
        + done
        + "; exec \\\"$0\\\" \\\"$@\\\"\", "
        + nginx.startCommand().stream()
            .map(a -> "\"" + a + "\"")
            .collect(java.util.stream.Collectors.joining(", "))
        + "]";
  }
}
