package io.recsysnightly.jobs;

import io.recsysnightly.als.TrainAls;
import io.recsysnightly.coldstart.ColdStart;
import io.recsysnightly.experiment.Experiment;
import io.recsysnightly.io.RunContext;
import io.recsysnightly.knn.Candidates;
import io.recsysnightly.matrix.BuildMatrix;
import io.recsysnightly.publish.Publish;
import io.recsysnightly.report.StepReport;
import io.recsysnightly.rerank.Rerank;
import io.recsysnightly.report.Summary;
import java.util.List;

/** The pipeline's steps, declared in the order {@code nightly} runs them. */
enum Step {
  BUILD_MATRIX(BuildMatrix.STEP, "Validate events, build the utility matrix, split off the holdout.", false,
      (ctx, force) -> new BuildMatrix(ctx).execute()),
  TRAIN(TrainAls.STEP, "Fit ALS and evaluate it on the holdout against a popularity baseline.", true,
      (ctx, force) -> new TrainAls(ctx).execute()),
  COLD_START(ColdStart.STEP, "Give every user and item a vector: fold-in, else segment/category mean.", true,
      (ctx, force) -> new ColdStart(ctx).execute()),
  CANDIDATES(Candidates.STEP, "Exact top-N candidates per user and most similar items per item.", true,
      (ctx, force) -> new Candidates(ctx).execute()),
  RERANK(Rerank.STEP, "Re-rank the candidates into the lists to publish (rules, diversity), with reasons.", true,
      (ctx, force) -> new Rerank(ctx).execute()),
  PUBLISH(Publish.STEP, "Write the dated publication; move LATEST if the quality gate passes.", false,
      (ctx, force) -> new Publish(ctx, force).execute());

  private final String command;
  private final String description;
  /** Runs once per A/B variant, on the variant's configuration and paths (build-matrix and publish run once). */
  private final boolean perVariant;
  private final Execution execution;

  Step(String command, String description, boolean perVariant, Execution execution) {
    this.command = command;
    this.description = description;
    this.perVariant = perVariant;
    this.execution = execution;
  }

  /** How the step is started; only publish looks at {@code force}. */
  private interface Execution {
    StepReport execute(RunContext ctx, boolean force);
  }

  public String command() {
    return command;
  }

  public String description() {
    return description;
  }

  /** Options beyond the common ones: only publish takes --force. */
  public List<CommandOption> options() {
    return this == PUBLISH ? List.of(CommandOption.FORCE) : List.of();
  }

  /** Runs the step (once per A/B variant if it depends on the model), prints each summary; the seconds taken. */
  public double run(RunContext ctx, boolean force) {
    List<Experiment.Arm> arms = perVariant ? Experiment.arms(ctx) : Experiment.whole(ctx);
    double seconds = 0;
    for (Experiment.Arm arm : arms) {
      arm.variant().ifPresent(v -> System.out.println("-- " + command + ": variant " + v));
      StepReport report = execution.execute(arm.ctx(), force);
      System.out.print(Summary.render(report));
      System.out.flush();
      seconds += report.totalSeconds();
    }
    return seconds;
  }
}
