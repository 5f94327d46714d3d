package io.recsysnightly.als;

import io.recsysnightly.RecsysException;
import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.report.Progress;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Fits implicit ALS with the solver the configuration names ({@code recsys.als.solver}): the train
 * step, the evaluation fit and the tuner all go through here, so they fit the same model.
 */
public final class AlsTrainer {
  private AlsTrainer() {}

  /** The factors of a fit, in the pipeline's column names ({@code *_idx, vector}). */
  public interface Fitted {
    Dataset<Row> users();

    Dataset<Row> items();

    /** The vectors of those of {@code ids} the fit has, ascending by id (from the driver's copy when it has one). */
    FactorMatrix userMatrix(int[] ids);

    /** Every item's vector, ascending by id (from the driver's copy when it has one). */
    FactorMatrix itemMatrix();

    /** Frees what the fit cached (the factor tables must have been written or collected first). */
    void release();
  }

  /**
   * @param ratings {@code user_idx, item_idx, rating} (after the confidence transform)
   * @param warmUsers starting user vectors ({@code user_idx, vector}) or null (native only)
   * @param warmItems starting item vectors ({@code item_idx, vector}) or null (native only)
   */
  public static Fitted fit(SparkSession spark, PipelineConfig config, Dataset<Row> ratings, Dataset<Row> warmUsers,
      Dataset<Row> warmItems, Progress progress, String what) {
    if (config.get(ConfigKeys.ALS_SOLVER).equals("mllib")) {
      if (!config.get(ConfigKeys.ALS_REGULARIZATION).equals(Regularization.MLLIB)
          || config.get(ConfigKeys.ALS_UNOBSERVED_WEIGHT) != 1.0) {
        throw RecsysException.config("%s=mllib minimises MLlib's objective only: set %s=mllib and %s=1, or %s=native.",
            ConfigKeys.ALS_SOLVER.name(), ConfigKeys.ALS_REGULARIZATION.name(), ConfigKeys.ALS_UNOBSERVED_WEIGHT.name(),
            ConfigKeys.ALS_SOLVER.name());
      }
      ALSModel model = TrainAls.fit(TrainAls.als(config), ratings, progress, what);
      return new Fitted() {
        public Dataset<Row> users() {
          return Factors.users(model);
        }

        public Dataset<Row> items() {
          return Factors.items(model);
        }

        public FactorMatrix userMatrix(int[] ids) {
          return FactorMatrix.collect(users(), "user_idx", ids);
        }

        public FactorMatrix itemMatrix() {
          return FactorMatrix.collect(items(), "item_idx");
        }

        public void release() {}
      };
    }
    AlsMatrix matrix = AlsMatrix.of(ratings, config.get(ConfigKeys.ALS_BLOCKS));
    AlsFit fit = new NativeAls(spark, settings(config, false)).fit(matrix, warmUsers, warmItems, progress, what);
    return new Fitted() {
      public Dataset<Row> users() {
        return fit.users();
      }

      public Dataset<Row> items() {
        return fit.items();
      }

      public FactorMatrix userMatrix(int[] ids) {
        return fit.userMatrix(ids);
      }

      public FactorMatrix itemMatrix() {
        return fit.itemMatrix();
      }

      public void release() {
        fit.release();
        matrix.release();
      }
    };
  }

  /** The native solver's settings from the configuration. */
  public static NativeAls.Settings settings(PipelineConfig config, boolean lossEachSweep) {
    return new NativeAls.Settings(config.get(ConfigKeys.ALS_RANK), config.get(ConfigKeys.ALS_MAX_ITER),
        config.get(ConfigKeys.ALS_ALPHA), regularization(config), config.get(ConfigKeys.ALS_SOLVE).equals("cholesky"),
        config.get(ConfigKeys.ALS_CG_STEPS), config.get(ConfigKeys.SEED),
        config.get(ConfigKeys.ALS_BROADCAST_BUDGET_MB) * 1024L * 1024L,
        config.get(ConfigKeys.ALS_ONE_TASK_MAX_INTERACTIONS), config.get(ConfigKeys.ALS_CHECKPOINT_INTERVAL),
        lossEachSweep ? NativeAls.Objective.EACH_SWEEP : NativeAls.Objective.FINAL);
  }

  public static Regularization regularization(PipelineConfig config) {
    return new Regularization(config.get(ConfigKeys.ALS_REGULARIZATION).equals(Regularization.FREQUENCY),
        config.get(ConfigKeys.ALS_REG), config.get(ConfigKeys.ALS_UNOBSERVED_WEIGHT),
        config.get(ConfigKeys.ALS_REG_EXPONENT));
  }
}
