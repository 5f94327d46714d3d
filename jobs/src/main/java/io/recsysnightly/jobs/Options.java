package io.recsysnightly.jobs;

import io.recsysnightly.config.ConfigKey;
import io.recsysnightly.config.ConfigKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** The parsed options of one command; immutable, each {@code with…} returns a changed copy. */
record Options(Optional<LocalDate> date, Optional<Path> conf, List<String> sets, Optional<String> input,
    Optional<String> output, Optional<String> work, Map<String, String> extras) {

  /**
   * The properties file read when --conf is not given: in the working directory, else in the
   * installation that {@code jobs/bin/recsys} names with the system property {@value #HOME_PROPERTY}.
   */
  static final Path DEFAULT_CONF = Path.of("conf", "recsys.properties");
  static final String HOME_PROPERTY = "recsys.home";
  /** The flag that profiles a run (see {@link Profiling}). */
  static final String PROFILE = "profile";

  public Options {
    sets = List.copyOf(sets);
    extras = Map.copyOf(extras);
  }

  static Options none() {
    return new Options(Optional.empty(), Optional.empty(), List.of(), Optional.empty(), Optional.empty(),
        Optional.empty(), Map.of());
  }

  Options withDate(LocalDate value) {
    return new Options(Optional.of(value), conf, sets, input, output, work, extras);
  }

  Options withConf(Path value) {
    return new Options(date, Optional.of(value), sets, input, output, work, extras);
  }

  Options withSet(String keyValue) {
    List<String> more = new ArrayList<>(sets);
    more.add(keyValue);
    return new Options(date, conf, more, input, output, work, extras);
  }

  Options withInput(String value) {
    return new Options(date, conf, sets, Optional.of(value), output, work, extras);
  }

  Options withOutput(String value) {
    return new Options(date, conf, sets, input, Optional.of(value), work, extras);
  }

  Options withWork(String value) {
    return new Options(date, conf, sets, input, output, Optional.of(value), extras);
  }

  /** A command-specific option: its value, or "" for a flag. */
  Options withExtra(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(extras);
    more.put(name, value);
    return new Options(date, conf, sets, input, output, work, more);
  }

  /** The value of a command-specific option, if it was given. */
  Optional<String> extra(String name) {
    return Optional.ofNullable(extras.get(name));
  }

  /**
   * The properties file to load: --conf, else conf/recsys.properties of the working directory, else
   * that of the installation (so the launcher's default works from any directory), else none.
   */
  public Optional<Path> configFile() {
    if (conf.isPresent()) {
      return conf;
    }
    Optional<Path> installed = Optional.ofNullable(System.getProperty(HOME_PROPERTY))
        .map(home -> Path.of(home).resolve(DEFAULT_CONF));
    return Stream.concat(Stream.of(DEFAULT_CONF), installed.stream()).filter(Files::isRegularFile).findFirst();
  }

  /**
   * The {@code key=value} overrides for {@code PipelineConfig.load}: every --set in order, then
   * --date, --input, --output and --work as their keys, so a dedicated option beats a --set of its key.
   */
  public List<String> overrides() {
    List<String> all = new ArrayList<>(sets);
    date.ifPresent(d -> all.add(override(ConfigKeys.RUN_DATE, d.toString())));
    input.ifPresent(v -> all.add(override(ConfigKeys.INPUT_ROOT, v)));
    output.ifPresent(v -> all.add(override(ConfigKeys.OUTPUT_ROOT, v)));
    work.ifPresent(v -> all.add(override(ConfigKeys.WORK_ROOT, v)));
    return all;
  }

  private static String override(ConfigKey<?> key, String value) {
    return key.name() + "=" + value;
  }
}
