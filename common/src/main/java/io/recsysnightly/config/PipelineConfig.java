package io.recsysnightly.config;

import io.recsysnightly.RecsysException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The validated configuration of one run: defaults, then the properties file, then {@code --set}
 * overrides. Immutable; every value was parsed and checked when it was built.
 */
public final class PipelineConfig {
  /** A URI's scheme (hdfs:, s3a:, file:): such a path is taken as it is. */
  private static final Pattern URI_SCHEME = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*:");
  private final Map<String, String> texts;
  private final Map<String, Object> values;
  /** Variant name to its overrides (empty without an A/B experiment). */
  private final Map<String, Map<String, String>> variantOverrides;

  private PipelineConfig(Map<String, String> texts) {
    this.texts = Collections.unmodifiableMap(new TreeMap<>(texts));
    Map<String, Object> parsed = new HashMap<>();
    for (ConfigKey<?> key : ConfigKeys.all()) {
      parsed.put(key.name(), key.parse(texts.get(key.name())));
    }
    this.values = parsed;
    checkConsistency();
    this.variantOverrides = VariantOverrides.parse(texts, get(ConfigKeys.EXPERIMENT_VARIANTS).keySet());
    for (String variant : variantOverrides.keySet()) {
      try {
        variantConfig(variant); // a variant's own cross-key rules fail at start-up, not mid-run
      } catch (RecsysException e) {
        throw RecsysException.config("Variant %s: %s", variant, e.getMessage());
      }
    }
  }

  /** Defaults only. */
  public static PipelineConfig defaults() {
    return load(Optional.empty(), List.of());
  }

  /**
   * Defaults overlaid with {@code file} (a Java properties file) and then with {@code key=value}
   * overrides. Unknown keys and bad values fail with exit code 2 and a message naming them.
   */
  public static PipelineConfig load(Optional<Path> file, List<String> overrides) {
    Map<String, String> texts = new HashMap<>();
    for (ConfigKey<?> key : ConfigKeys.all()) {
      texts.put(key.name(), key.defaultText());
    }
    Path workingDirectory = Path.of("").toAbsolutePath();
    resolvePaths(texts, workingDirectory); // so the effective configuration means the same wherever it is read
    if (file.isPresent()) {
      Map<String, String> fromFile = readProperties(file.get());
      resolvePaths(fromFile, file.get().toAbsolutePath().getParent());
      mergeChecked(texts, fromFile, "in " + file.get());
    }
    Map<String, String> sets = new HashMap<>();
    for (String override : overrides) {
      int eq = override.indexOf('=');
      if (eq <= 0) {
        throw RecsysException.config("--set expects key=value, got '%s'", override);
      }
      sets.put(override.substring(0, eq).trim(), override.substring(eq + 1).trim());
    }
    resolvePaths(sets, workingDirectory);
    mergeChecked(texts, sets, "given with --set");
    return new PipelineConfig(texts);
  }

  /** Makes the relative values of {@link ConfigKeys#PATH_KEYS} in {@code texts} absolute against {@code base}. */
  private static void resolvePaths(Map<String, String> texts, Path base) {
    for (ConfigKey<String> key : ConfigKeys.PATH_KEYS) {
      String value = texts.get(key.name());
      boolean relative = value != null && !value.isEmpty() && !URI_SCHEME.matcher(value).lookingAt()
          && !Path.of(value).isAbsolute();
      if (relative) {
        texts.put(key.name(), base.resolve(value).normalize().toString());
      }
    }
  }

  /** This configuration with one more override (same checks as {@code --set}). */
  public PipelineConfig with(String key, String value) {
    Map<String, String> copy = new HashMap<>(texts);
    mergeChecked(copy, Map.of(key, value), "given with --set");
    return new PipelineConfig(copy);
  }

  /**
   * The configuration of one variant of the A/B experiment: this one with the variant's overrides
   * applied and no experiment, i.e. exactly what a plain run with those overrides would use.
   */
  public PipelineConfig variantConfig(String variant) {
    Map<String, String> overrides = variantOverrides.get(variant);
    if (overrides == null) {
      throw new IllegalArgumentException("No variant " + variant + " in " + variantOverrides.keySet());
    }
    Map<String, String> copy = new HashMap<>(texts);
    copy.keySet().removeIf(k -> k.startsWith(ConfigKeys.VARIANT_PREFIX));
    copy.put(ConfigKeys.EXPERIMENT_VARIANTS.name(), ConfigKeys.EXPERIMENT_VARIANTS.defaultText());
    copy.put(ConfigKeys.EXPERIMENT_SALT.name(), ConfigKeys.EXPERIMENT_SALT.defaultText());
    copy.putAll(overrides);
    return new PipelineConfig(copy);
  }

  /** The overrides of {@code variant} (key to text), as configured. */
  public Map<String, String> variantOverrides(String variant) {
    return variantOverrides.getOrDefault(variant, Map.of());
  }

  @SuppressWarnings("unchecked")
  public <T> T get(ConfigKey<T> key) {
    return (T) values.get(key.name());
  }

  /** The run date, which every step needs: from --date or recsys.run.date. */
  public LocalDate runDate() {
    return get(ConfigKeys.RUN_DATE).orElseThrow(() -> RecsysException.config(
        "No run date: pass --date YYYY-MM-DD or set %s in the configuration file.",
        ConfigKeys.RUN_DATE.name()));
  }

  /** Every key with its effective text value, sorted by key: what the manifest records. */
  public Map<String, String> asMap() {
    return texts;
  }

  /** The effective configuration as a properties file that {@code --conf} accepts as is. */
  public String toPropertiesText() {
    return texts.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining("\n", "", "\n"));
  }

  private static Map<String, String> readProperties(Path file) {
    if (!Files.isRegularFile(file)) {
      throw RecsysException.config("Configuration file %s does not exist (check --conf).", file);
    }
    Properties props = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      props.load(reader);
    } catch (IOException | IllegalArgumentException e) {
      throw RecsysException.config("Cannot read configuration file %s: %s", file, e.getMessage());
    }
    Map<String, String> map = new HashMap<>();
    for (String name : props.stringPropertyNames()) {
      map.put(name.trim(), props.getProperty(name).trim());
    }
    return map;
  }

  private static void mergeChecked(Map<String, String> into, Map<String, String> from, String where) {
    for (Map.Entry<String, String> e : from.entrySet()) {
      // recsys.variant.* keys are checked once the variants are known (VariantOverrides).
      if (!into.containsKey(e.getKey()) && !e.getKey().startsWith(ConfigKeys.VARIANT_PREFIX)) {
        throw RecsysException.config("Unknown configuration key '%s' %s. Known keys start with recsys. "
            + "and are listed in conf/recsys.properties and docs/configuration.md.", e.getKey(), where);
      }
      into.put(e.getKey(), e.getValue());
    }
  }

  private void checkConsistency() {
    if (get(ConfigKeys.LIST_SIZE) > get(ConfigKeys.CANDIDATES_N)) {
      throw RecsysException.config("%s (%d) must not exceed %s (%d).", ConfigKeys.LIST_SIZE.name(),
          get(ConfigKeys.LIST_SIZE), ConfigKeys.CANDIDATES_N.name(), get(ConfigKeys.CANDIDATES_N));
    }
    List<Integer> buckets = get(ConfigKeys.ACTIVITY_THRESHOLDS);
    if (buckets.size() != 2 || buckets.get(0) >= buckets.get(1)) {
      throw RecsysException.config("%s must be two increasing counts a,b (cold < a <= light < b <= heavy), got %s.",
          ConfigKeys.ACTIVITY_THRESHOLDS.name(), texts.get(ConfigKeys.ACTIVITY_THRESHOLDS.name()));
    }
    if (get(ConfigKeys.SPLIT_MODE).equals("cutoff") && get(ConfigKeys.CUTOFF_DATE).isEmpty()) {
      throw RecsysException.config("%s=cutoff needs %s (YYYY-MM-DD).", ConfigKeys.SPLIT_MODE.name(),
          ConfigKeys.CUTOFF_DATE.name());
    }
  }
}
