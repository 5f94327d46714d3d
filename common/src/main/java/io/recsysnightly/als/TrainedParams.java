package io.recsysnightly.als;

import io.recsysnightly.config.ConfigKey;
import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.io.RunContext;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.hadoop.fs.Path;

/**
 * The ALS parameters a train run actually used, written beside its factors: when train chooses them
 * each night, whatever solves against those factors later (cold-start's fold-in, refresh through the
 * manifest) must use the same ones, not the configured starting point.
 */
public final class TrainedParams {
  /** The keys train's nightly search may change. */
  public static final List<ConfigKey<?>> KEYS = List.of(ConfigKeys.ALS_RANK, ConfigKeys.ALS_REG, ConfigKeys.ALS_ALPHA,
      ConfigKeys.ALS_REGULARIZATION, ConfigKeys.ALS_REG_EXPONENT, ConfigKeys.ALS_UNOBSERVED_WEIGHT);

  private TrainedParams() {}

  public static void write(RunContext ctx, PipelineConfig used) {
    StringBuilder text = new StringBuilder("# The ALS parameters of this train run (recsys train).\n");
    for (ConfigKey<?> key : KEYS) {
      text.append(key.name()).append('=').append(used.asMap().get(key.name())).append('\n');
    }
    ctx.files().writeTextAtomically(ctx.paths().modelParams(ctx.paths().date()), text.toString());
  }

  /** {@code config} with the parameters of the train run of {@code trainDate}, where it recorded them. */
  public static PipelineConfig apply(RunContext ctx, PipelineConfig config, LocalDate trainDate) {
    return read(ctx, trainDate).map(p -> {
      PipelineConfig out = config;
      for (ConfigKey<?> key : KEYS) {
        if (p.containsKey(key.name())) {
          out = out.with(key.name(), p.getProperty(key.name()));
        }
      }
      return out;
    }).orElse(config);
  }

  private static Optional<Properties> read(RunContext ctx, LocalDate trainDate) {
    Path file = ctx.paths().modelParams(trainDate);
    if (!ctx.files().exists(file)) {
      return Optional.empty();
    }
    Properties p = new Properties();
    try {
      p.load(new StringReader(ctx.files().readText(file)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Optional.of(p);
  }

  /**
   * The newest earlier run date whose train step left factors in the work root (the same A/B variant):
   * their ids are the stable id-map indices, so an id's vector there is its vector here.
   */
  public static Optional<LocalDate> previousRun(RunContext ctx) {
    return ctx.files().listNames(ctx.paths().workRoot()).stream()
        .filter(n -> n.matches("dt=\\d{4}-\\d{2}-\\d{2}"))
        .map(n -> LocalDate.parse(n.substring(3)))
        .filter(d -> d.isBefore(ctx.paths().date()))
        .filter(d -> ctx.files().exists(ctx.paths().userFactors(d)) && ctx.files().exists(ctx.paths().itemFactors(d)))
        .max(LocalDate::compareTo);
  }
}
