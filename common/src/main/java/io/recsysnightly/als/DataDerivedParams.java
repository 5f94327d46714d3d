package io.recsysnightly.als;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;

import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * α and λ derived from the training part's statistics ({@code recsys.als.params-from-data}), the
 * parameters train fits with when the nightly search is off and the point the search starts from.
 * Two rules, each measured on generated data, the sample and ml-latest-small (docs/quality.md):
 * <ul>
 *   <li>α balances the observed cells against the unobserved ones: all observed confidence,
 *       Σ(1 + α·r), is {@link #OBSERVED_SHARE} of the weight of all cells, users × items. Sparse data
 *       (few observed cells) gets a large α, dense data a small one; α is 0 when the observed cells
 *       alone already pass that share.</li>
 *   <li>λ, unscaled (frequency form, ν = 0, the implicit library's), equals the mean confidence per
 *       row, Σ(1 + α·r) / (users + items): the penalty on a vector is then of the order of what one
 *       average row's cells pull on it, whatever the scale of the strengths and α.</li>
 * </ul>
 * The rank stays {@code recsys.als.rank}. With {@code recsys.als.solver=mllib}, which has only MLlib's
 * λ·n form, λ is carried over so that an average user's penalty is the same.
 */
public final class DataDerivedParams {
  /** Observed confidence / all cells' weight that the α rule aims at (read off the grids in docs/quality.md). */
  static final double OBSERVED_SHARE = 0.05;
  /**
   * Upper bound of the derived α. The rule was measured up to α ≈ 100 (medium, density 5·10⁻⁴); a near-empty
   * matrix would otherwise get thousands, where nothing was measured.
   */
  static final double MAX_ALPHA = 100;

  /**
   * What the rules read from the training part.
   *
   * @param meanRating mean r after the confidence transform ({@code recsys.als.confidence})
   */
  public record Stats(long users, long items, long interactions, double meanRating) {
    double density() {
      return (double) interactions / ((double) users * items);
    }
  }

  private DataDerivedParams() {}

  /** One Spark job over {@code train} ({@code user_idx, item_idx, strength}). */
  public static Stats stats(Dataset<Row> train, Confidence confidence) {
    Row r = train.agg(countDistinct("user_idx"), countDistinct("item_idx"), count(lit(1)),
        avg(confidence.rating("strength"))).first();
    return new Stats(r.getLong(0), r.getLong(1), r.getLong(2), r.isNullAt(3) ? 0 : r.getDouble(3));
  }

  /** The derived α for these statistics. */
  public static double alpha(Stats s) {
    if (s.interactions() == 0 || s.meanRating() <= 0) {
      return 0;
    }
    double alpha = (OBSERVED_SHARE / s.density() - 1) / s.meanRating();
    return Math.max(0, Math.min(MAX_ALPHA, alpha));
  }

  /** The derived unscaled λ (frequency form, ν = 0) for these statistics and α. */
  public static double lambda(Stats s, double alpha) {
    if (s.users() + s.items() == 0) {
      return 0;
    }
    return s.interactions() * (1 + alpha * s.meanRating()) / (s.users() + s.items());
  }

  /** {@code config} with the derived α and λ (and the form they belong to). */
  public static PipelineConfig apply(PipelineConfig config, Stats s) {
    double alpha = round(alpha(s));
    double lambda = lambda(s, alpha);
    if (config.get(ConfigKeys.ALS_SOLVER).equals("mllib")) {
      double meanPerUser = (double) s.interactions() / Math.max(1, s.users());
      return config.with(ConfigKeys.ALS_ALPHA.name(), num(alpha))
          .with(ConfigKeys.ALS_REG.name(), num(round(lambda / Math.max(1e-9, meanPerUser))))
          .with(ConfigKeys.ALS_REGULARIZATION.name(), Regularization.MLLIB);
    }
    return config.with(ConfigKeys.ALS_ALPHA.name(), num(alpha))
        .with(ConfigKeys.ALS_REG.name(), num(round(lambda)))
        .with(ConfigKeys.ALS_REGULARIZATION.name(), Regularization.FREQUENCY)
        .with(ConfigKeys.ALS_REG_EXPONENT.name(), "0")
        .with(ConfigKeys.ALS_UNOBSERVED_WEIGHT.name(), "1");
  }

  /** The statistics and the rules' result, for metrics.json. */
  public static Map<String, Object> record(Stats s, PipelineConfig derived) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("users", s.users());
    m.put("items", s.items());
    m.put("interactions", s.interactions());
    m.put("density", s.density());
    m.put("mean_rating", s.meanRating());
    m.put("alpha", derived.get(ConfigKeys.ALS_ALPHA));
    m.put("reg_param", derived.get(ConfigKeys.ALS_REG));
    m.put("regularization", derived.get(ConfigKeys.ALS_REGULARIZATION));
    return m;
  }

  /** A one-line account for the step's summary. */
  public static String label(Stats s, PipelineConfig derived) {
    return String.format(Locale.ROOT, "alpha %s, %s lambda %s (density %.3g, mean rating %.3g)",
        num(derived.get(ConfigKeys.ALS_ALPHA)), derived.get(ConfigKeys.ALS_REGULARIZATION),
        num(derived.get(ConfigKeys.ALS_REG)), s.density(), s.meanRating());
  }

  /** 3 significant digits: the rules are not finer than that, and the value reads well in a config. */
  private static double round(double v) {
    return v == 0 ? 0 : new java.math.BigDecimal(v).round(new java.math.MathContext(3)).doubleValue();
  }

  private static String num(double v) {
    return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
  }
}
