package io.recsysnightly.experiment;

import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.io.RunContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The arms a run trains and publishes: one per variant of {@code recsys.experiment.variants}, each with
 * its own configuration and its model-dependent paths under {@code variant=NAME/}; without an experiment,
 * the run itself as the only arm, with today's paths.
 */
public final class Experiment {
  private Experiment() {}

  /** One arm: the variant's name (empty: no experiment), its traffic share and its run context. */
  public record Arm(Optional<String> variant, double share, RunContext ctx) {
    /** {@code text} followed by " (variant NAME)" in an experiment. */
    public String label(String text) {
      return variant.map(v -> text + " (variant " + v + ")").orElse(text);
    }
  }

  public static boolean configured(PipelineConfig config) {
    return !config.get(ConfigKeys.EXPERIMENT_VARIANTS).isEmpty();
  }

  public static List<Arm> arms(RunContext ctx) {
    Map<String, Double> shares = ctx.config().get(ConfigKeys.EXPERIMENT_VARIANTS);
    if (shares.isEmpty()) {
      return whole(ctx);
    }
    List<Arm> arms = new ArrayList<>();
    shares.forEach((variant, share) -> arms.add(new Arm(Optional.of(variant), share, new RunContext(ctx.spark(),
        ctx.config().variantConfig(variant), ctx.paths().forVariant(variant), ctx.files()))));
    return List.copyOf(arms);
  }

  /** The run as one arm, for the steps every variant shares (build-matrix, publish) and runs without an experiment. */
  public static List<Arm> whole(RunContext ctx) {
    return List.of(new Arm(Optional.empty(), 1.0, ctx));
  }

  /** The configured assignment of users to every variant. */
  public static VariantAssignment assignment(PipelineConfig config) {
    return new VariantAssignment(config.get(ConfigKeys.EXPERIMENT_SALT), config.get(ConfigKeys.EXPERIMENT_VARIANTS));
  }
}
