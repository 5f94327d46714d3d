package io.recsysnightly.jobs;

import io.recsysnightly.bench.BenchFactors;
import io.recsysnightly.bench.CandidatesBench;
import io.recsysnightly.bench.TrainBench;
import io.recsysnightly.knn.TopNKernel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code recsys bench}: our candidates kernel against {@code ALSModel.recommendForAllUsers} on the same
 * factors in this Spark application, with the roof measured in the same run; figures printed and
 * written as JSON.
 */
final class BenchCommand {
  static final String NAME = "bench";
  static final String DESCRIPTION = "Time the candidates kernel against recommendForAllUsers and the hardware roof, "
      + "or (--stage train) our ALS solver against ALS.fit on the configured run's matrix; write JSON.";

  static final List<CommandOption> OPTIONS = List.of(
      CommandOption.value("stage", "STAGE", "candidates (default) or train: native ALS against ALS.fit on the "
          + "training part of the configured run (--conf, built first if missing), same rank, sweeps, lambda, alpha."),
      CommandOption.value("sweeps", "N", "train: ALS sweeps (default 15)."),
      CommandOption.value("export", "DIR", "train: also write the matrix for jobs/bench/implicit_reference.py."),
      CommandOption.flag("warm-start", "train: also fit night two (all interactions) cold and warm-started from night "
          + "one (the training part): sweeps to the cold objective, median cosine of vectors across the nights."),
      CommandOption.value("users", "N", "Users (default 50000)."),
      CommandOption.value("items", "N", "Items (default 10000)."),
      CommandOption.value("rank", "N", "Rank of the factors (default 32; train: 64)."),
      CommandOption.value("n", "N", "Top N per user (default 100)."),
      CommandOption.value("block-size", "N", "Users scored together by the kernel (default 1024)."),
      CommandOption.value("mode", "MODE", "exact (ours vs recommendForAllUsers), approx (IVF vs exact) or both;"
          + " default exact."),
      CommandOption.value("runs", "N", "Timed runs of each, after one warm-up; the median is reported (default 5; "
          + "train: 1)."),
      CommandOption.flag("no-baseline", "Skip recommendForAllUsers (e.g. for shapes it would take minutes on)."),
      CommandOption.value("partitions", "N", "Partitions of our user factors (default: cores)."),
      CommandOption.value("baseline-partitions", "N",
          "Partitions of the baseline's user and item factors (default: 2 x cores, its best setting here)."),
      CommandOption.value("baseline-block-size", "N", "recommendForAllUsers' blockSize parameter (default 4096)."),
      CommandOption.value("factors", "KIND", "gaussian (default) or planted (clustered, popularity-scaled)."),
      CommandOption.value("seed", "N", "Seed of the factors (default 42)."),
      CommandOption.value("clusters", "N", "approx: k-means clusters (default: sqrt(items))."),
      CommandOption.value("probes", "N", "approx: clusters probed per user (default: the fewest reaching "
          + "--target-recall on a 1000-user sample)."),
      CommandOption.value("target-recall", "X", "approx: Recall@N the probes are calibrated for (default 0.95)."),
      CommandOption.value("kernel", "NAME", "auto (default), vector or sgemm."),
      CommandOption.value("threads", "N", "Threads of the roof kernel (default: cores)."),
      CommandOption.flag("sweep", "Also time ours and the roof as users, items and rank double (x1, x2, x4)."),
      CommandOption.value("json", "FILE", "Where to write the figures (default out/bench/bench-<mode>.json)."));

  private BenchCommand() {}

  static void run(CommandContext ctx) {
    try {
      bench(ctx);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("bench failed: " + e, e);
    }
  }

  private static void bench(CommandContext ctx) throws Exception {
    OptionValues o = new OptionValues(ctx.options());
    if (o.string("stage").orElse("candidates").equals("train")) {
      benchTrain(ctx, o);
      return;
    }
    CandidatesBench.Params d = CandidatesBench.Params.defaults();
    CandidatesBench.Mode mode = o.string("mode").map(CandidatesBench.Mode::parse).orElse(d.mode());
    CandidatesBench.Params params = new CandidatesBench.Params(
        o.integer("users", 1, 50_000_000).orElse(d.users()),
        o.integer("items", 1, 50_000_000).orElse(d.items()),
        o.integer("rank", 1, 4096).orElse(d.rank()),
        o.integer("n", 1, 10_000).orElse(d.n()),
        o.integer("block-size", 1, 1_000_000).orElse(d.blockSize()),
        mode,
        o.integer("runs", 1, 1000).orElse(d.runs()),
        !o.flag("no-baseline"),
        o.integer("partitions", 1, 100_000).orElse(d.partitions()),
        o.integer("baseline-partitions", 1, 100_000).orElse(d.baselinePartitions()),
        o.integer("baseline-block-size", 1, 1_000_000).orElse(d.baselineBlockSize()),
        o.string("factors").map(BenchFactors.Kind::parse).orElse(d.factors()),
        o.longValue("seed", Long.MIN_VALUE, Long.MAX_VALUE).orElse(d.seed()),
        o.integer("clusters", 1, 10_000_000).orElse(d.clusters()),
        o.integer("probes", 1, 10_000_000).orElse(d.probes()),
        o.number("target-recall", 0, 1).orElse(d.targetRecall()),
        o.string("kernel").map(TopNKernel.Backend::parse).orElse(d.backend()),
        o.integer("threads", 1, 4096).orElse(d.threads()));
    Path json = Path.of(o.string("json").orElse("out/bench/bench-" + mode.name().toLowerCase(Locale.ROOT) + ".json"));

    Map<String, Object> figures = new CandidatesBench(ctx.spark(), params).run();
    if (o.flag("sweep")) {
      figures.put("sweep", sweep(ctx, params));
    }
    CandidatesBench.writeJson(figures, json);
    System.out.print(BenchReport.render(figures));
    System.out.println("bench: figures written to " + json.toAbsolutePath());
  }

  private static void benchTrain(CommandContext ctx, OptionValues o) throws Exception {
    TrainBench.Params params = new TrainBench.Params(o.integer("rank", 1, 4096).orElse(64),
        o.integer("sweeps", 1, 1000).orElse(15), o.integer("runs", 1, 1000).orElse(1), o.string("export"),
        o.flag("warm-start"));
    Path json = Path.of(o.string("json").orElse("out/bench/bench-train.json"));
    Map<String, Object> figures = new TrainBench(ctx.run(), params).run();
    CandidatesBench.writeJson(figures, json);
    System.out.print(BenchReport.renderTrain(figures));
    System.out.println("bench: figures written to " + json.toAbsolutePath());
  }

  /** Ours and the roof (no baseline) at x1, x2, x4 users, items and rank, 3 runs each. */
  private static List<Map<String, Object>> sweep(CommandContext ctx, CandidatesBench.Params base) throws Exception {
    List<Map<String, Object>> points = new ArrayList<>();
    for (String axis : new String[] {"users", "items", "rank"}) {
      for (int factor : new int[] {1, 2, 4}) {
        if (factor == 1 && !axis.equals("users")) {
          continue; // the x1 point is the same for all three axes
        }
        CandidatesBench.Params p = new CandidatesBench.Params(
            base.users() * (axis.equals("users") ? factor : 1), base.items() * (axis.equals("items") ? factor : 1),
            base.rank() * (axis.equals("rank") ? factor : 1), base.n(), base.blockSize(), CandidatesBench.Mode.EXACT,
            3, false, base.partitions(), base.baselinePartitions(), base.baselineBlockSize(), base.factors(),
            base.seed(), 0, 0, base.targetRecall(), base.backend(), base.threads());
        System.out.printf("bench sweep: %s x%d%n", axis, factor);
        Map<String, Object> f = new CandidatesBench(ctx.spark(), p).run();
        Map<String, Object> point = new LinkedHashMap<>();
        point.put("axis", factor == 1 ? "base" : axis);
        point.put("factor", factor);
        point.put("users", p.users());
        point.put("items", p.items());
        point.put("rank", p.rank());
        point.put("ours_median_s", ((Map<?, ?>) f.get("ours_exact")).get("median_s"));
        point.put("ours_peak_heap_mb", ((Map<?, ?>) f.get("ours_exact")).get("peak_heap_mb"));
        point.put("roof_median_s", ((Map<?, ?>) f.get("roof")).get("median_s"));
        point.put("ours_over_roof", f.get("ours_over_roof"));
        points.add(point);
      }
    }
    return points;
  }
}
