package io.recsysnightly.config;

import io.recsysnightly.RecsysException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The per-variant overrides of an A/B experiment, {@code recsys.variant.NAME.KEY=value}: each names
 * a declared variant and a key a variant may change, and its value passes that key's own checks.
 */
final class VariantOverrides {
  /**
   * Keys every variant must share: where data comes from and goes, the matrix and the holdout (all
   * variants are evaluated on the same one, at the same K), the experiment itself, operations.
   */
  private static final List<String> SHARED_PREFIXES = List.of("recsys.run.", "recsys.input.", "recsys.output.",
      "recsys.work.", "recsys.matrix.", "recsys.split.", "recsys.experiment.", "recsys.lock.", "recsys.tune.");
  private static final List<String> SHARED_KEYS = List.of(ConfigKeys.EVAL_K.name(), ConfigKeys.EVAL_KS.name());

  private VariantOverrides() {}

  /** Variant name to its overrides (key to text), from the {@code recsys.variant.*} entries of {@code texts}. */
  static Map<String, Map<String, String>> parse(Map<String, String> texts, Set<String> variants) {
    Map<String, Map<String, String>> byVariant = new LinkedHashMap<>();
    variants.forEach(v -> byVariant.put(v, new TreeMap<>()));
    for (Map.Entry<String, String> e : new TreeMap<>(texts).entrySet()) {
      if (!e.getKey().startsWith(ConfigKeys.VARIANT_PREFIX)) {
        continue;
      }
      String rest = e.getKey().substring(ConfigKeys.VARIANT_PREFIX.length());
      int dot = rest.indexOf('.');
      String variant = dot < 0 ? rest : rest.substring(0, dot);
      if (!variants.contains(variant)) {
        throw RecsysException.config("Key '%s' is for variant '%s', which %s does not declare. Declared variants: %s.",
            e.getKey(), variant, ConfigKeys.EXPERIMENT_VARIANTS.name(),
            variants.isEmpty() ? "none" : String.join(", ", variants));
      }
      String key = dot < 0 ? "" : rest.substring(dot + 1);
      ConfigKey<?> declared = ConfigKeys.all().stream().filter(k -> k.name().equals(key)).findFirst()
          .orElseThrow(() -> RecsysException.config("Key '%s' overrides '%s', which is not a configuration key. It must "
              + "be recsys.variant.%s.<a key listed in conf/recsys.properties>.", e.getKey(), key, variant));
      if (isShared(key)) {
        throw RecsysException.config("Key '%s': %s cannot differ between variants (every variant shares the inputs, "
            + "outputs, matrix, holdout, evaluation cut-offs and experiment settings). Allowed: keys not starting "
            + "with %s and other than %s.", e.getKey(), key, String.join(", ", SHARED_PREFIXES),
            String.join(", ", SHARED_KEYS));
      }
      try {
        declared.parse(e.getValue());
      } catch (RecsysException bad) {
        throw RecsysException.config("%s (given as %s)", bad.getMessage(), e.getKey());
      }
      byVariant.get(variant).put(key, e.getValue());
    }
    return byVariant;
  }

  private static boolean isShared(String key) {
    return SHARED_KEYS.contains(key) || SHARED_PREFIXES.stream().anyMatch(key::startsWith);
  }
}
