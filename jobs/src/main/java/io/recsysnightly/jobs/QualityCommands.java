package io.recsysnightly.jobs;

import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.eval.EvaluateModels;
import io.recsysnightly.eval.Tuner;
import io.recsysnightly.io.MovieLensInput;
import io.recsysnightly.io.RunContext;
import io.recsysnightly.matrix.BuildMatrix;
import io.recsysnightly.report.StepReport;
import io.recsysnightly.report.Summary;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The {@code evaluate} and {@code tune} commands: thin wrappers around {@code eval/}. */
final class QualityCommands {
  static final CommandOption MOVIELENS = CommandOption.value("movielens", "DIR",
      "Convert a raw MovieLens folder (ratings.csv, movies.csv: every rating a positive) and build the matrix "
          + "from it first.");
  static final CommandOption RERANK_TRADEOFFS = CommandOption.flag("rerank-tradeoffs",
      "Also evaluate ALS's lists re-ranked with every rule off and with each rule at two settings.");
  static final CommandOption WRITE_CONF = CommandOption.value("write-conf", "FILE",
      "Where to write the best configuration (default <work>/dt=D/tune/tuned.properties).");

  private QualityCommands() {}

  static Command evaluate() {
    return new Command("evaluate", "Evaluate ALS beside most-popular, decayed most-popular and item-kNN on the holdout.",
        List.of(MOVIELENS, RERANK_TRADEOFFS), true,
        ctx -> print(EvaluateModels.executeStandalone(prepare(ctx), ctx.flag("rerank-tradeoffs"))));
  }

  static Command tune() {
    return new Command("tune", "Search ALS and decay settings on a validation split; write the best as a config.",
        List.of(MOVIELENS, WRITE_CONF), true,
        ctx -> print(new Tuner(prepare(ctx), ctx.options().extra("write-conf").map(Path::of)).execute()));
  }

  /** The run to evaluate: as configured, or a converted MovieLens folder with its matrix built. */
  private static RunContext prepare(CommandContext ctx) {
    Optional<String> movielens = ctx.options().extra("movielens");
    if (movielens.isEmpty()) {
      return ctx.run();
    }
    RunContext plain = ctx.run();
    Path converted = Path.of(plain.paths().workRoot().toUri().getPath(), "movielens-input").toAbsolutePath();
    PipelineConfig config = MovieLensInput.convert(ctx.spark(), Path.of(movielens.get()), converted, ctx.config());
    RunContext run = RunContext.of(ctx.spark(), config);
    print(new BuildMatrix(run).execute());
    return run;
  }

  private static void print(StepReport report) {
    System.out.print(Summary.render(report));
    System.out.flush();
  }
}
