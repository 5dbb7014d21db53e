package io.keepwatch.agent.it;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import io.keepwatch.agent.supervisor.ActionRecord;
import java.time.Instant;
import java.util.List;

/** Reads the recent actions out of a /status document. */
final class StatusJson {

  private StatusJson() {}

  static List<ActionRecord> actions(String json) {
    Config status =
        ConfigFactory.parseString(json, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
    return status.getConfigList("actions").stream()
        .map(
            a ->
                new ActionRecord(
                    Instant.parse(a.getString("at")),
                    a.getString("action"),
                    a.getString("outcome")))
        .toList();
  }
}
