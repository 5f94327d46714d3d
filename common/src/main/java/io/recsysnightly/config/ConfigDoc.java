package io.recsysnightly.config;

import java.util.stream.Collectors;

/**
 * Renders the key declarations as the configuration table of {@code docs/configuration.md}; a test
 * (PipelineConfigTest) keeps that file in step.
 */
public final class ConfigDoc {
  private ConfigDoc() {}

  public static String markdownTable() {
    return "| key | default | allowed | what it does |\n|---|---|---|---|\n" + ConfigKeys.all().stream()
        .map(k -> "| `" + k.name() + "` | " + (k.defaultText().isEmpty() ? "(empty)" : "`" + k.defaultText() + "`")
            + " | " + k.allowed() + " | " + k.doc().replace("|", "\\|") + " |")
        .collect(Collectors.joining("\n", "", "\n"));
  }
}
