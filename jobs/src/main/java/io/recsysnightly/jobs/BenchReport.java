package io.recsysnightly.jobs;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The benchmark's figures as a short table on the terminal (the JSON has everything). */
final class BenchReport {
  private BenchReport() {}

  /** The training benchmark: native ALS against ALS.fit on one matrix. */
  static String renderTrain(Map<String, Object> f) {
    StringBuilder sb = new StringBuilder();
    Map<?, ?> params = (Map<?, ?>) f.get("params");
    sb.append("========================================================================\n");
    sb.append(String.format(Locale.ROOT, "bench train  %s users x %s items, %s interactions, rank %s, %s sweeps, "
        + "lambda %s, alpha %s%n", f.get("users"), f.get("items"), f.get("interactions"), params.get("rank"),
        params.get("max_iter"), params.get("reg_param"), params.get("alpha")));
    sb.append(String.format(Locale.ROOT, "  %-10s %10s %16s %10s%n", "solver", "median s", "objective", "ndcg@10"));
    for (String solver : new String[] {"mllib", "native"}) {
      Map<?, ?> m = (Map<?, ?>) f.get(solver);
      sb.append(String.format(Locale.ROOT, "  %-10s %10.2f %16.6g %10.4f%n", solver.equals("mllib") ? "ALS.fit"
          : "native", num(m.get("median_s")), num(m.get("loss")), num(m.get("ndcg@10"))));
    }
    sb.append(String.format(Locale.ROOT, "  native vs ALS.fit: %.1fx faster, objective ratio %.4f%n",
        num(f.get("speedup")), num(f.get("loss_ratio_native_over_mllib"))));
    Map<?, ?> ours = (Map<?, ?>) f.get("native");
    sb.append(String.format(Locale.ROOT, "  native: matrix build %.2f s + fit %.2f s (the part comparable with the "
        + "implicit library's fit) + factor tables%n", num(ours.get("matrix_build_median_s")),
        num(ours.get("fit_only_median_s"))));
    if (f.get("warm_start") instanceof Map<?, ?> warm) {
      sb.append(String.format(Locale.ROOT, "  warm start, night two (%s interactions): warm reaches the cold objective "
          + "after %s of %s sweeps%n", warm.get("night_two_interactions"), warm.get("warm_sweeps_to_cold_objective"),
          params.get("max_iter")));
      for (String fit : new String[] {"cold", "warm"}) {
        Map<?, ?> m = (Map<?, ?>) warm.get(fit);
        List<?> losses = (List<?>) m.get("objective_each_sweep");
        sb.append(String.format(Locale.ROOT, "    %-5s objective after sweep 1 %.6g, last %.6g; median cosine to night "
            + "one: users %.4f, items %.4f%n", fit, num(losses.get(0)), num(losses.get(losses.size() - 1)),
            num(m.get("median_cosine_users")), num(m.get("median_cosine_items"))));
      }
    }
    sb.append("========================================================================\n");
    return sb.toString();
  }

  static String render(Map<String, Object> f) {
    StringBuilder sb = new StringBuilder();
    Map<?, ?> params = (Map<?, ?>) f.get("params");
    Map<?, ?> machine = (Map<?, ?>) f.get("machine");
    sb.append("========================================================================\n");
    sb.append(String.format(Locale.ROOT, "bench  %s users x %s items x rank %s, N=%s, block %s, %s factors%n",
        params.get("users"), params.get("items"), params.get("rank"), params.get("n"), params.get("block_size"),
        params.get("factors")));
    sb.append(String.format(Locale.ROOT, "       %s cores (%s), %s, Spark %s %s, load %.1f -> %.1f%n",
        machine.get("cores"), machine.get("cpu"), machine.get("java"), machine.get("spark"), machine.get("master"),
        num(machine.get("load_average_before")), num(f.get("load_average_after"))));
    row(sb, "ours (candidates stage)", (Map<?, ?>) f.get("ours_exact"));
    row(sb, "recommendForAllUsers", (Map<?, ?>) f.get("baseline_recommendForAllUsers"));
    row(sb, "roof (no Spark)", (Map<?, ?>) f.get("roof"));
    if (f.containsKey("speedup_vs_baseline")) {
      sb.append(String.format(Locale.ROOT, "  ours vs recommendForAllUsers   %.1fx faster%n", num(f.get("speedup_vs_baseline"))));
    }
    if (f.containsKey("ours_over_roof")) {
      sb.append(String.format(Locale.ROOT, "  ours / roof                    %.2f%n", num(f.get("ours_over_roof"))));
    }
    Map<?, ?> roof = (Map<?, ?>) f.get("roof");
    if (roof != null) {
      sb.append(String.format(Locale.ROOT, "  roof split                     scoring %.3f s (%.0f GFLOP/s), selection %.3f s "
          + "(%.2f ns/pair/core)%n", num(roof.get("scoring_only_median_s")), num(roof.get("scoring_gflops")),
          num(roof.get("selection_s")), num(roof.get("selection_ns_per_pair_per_core"))));
      if (roof.containsKey("netlib_sgemm_median_s")) {
        sb.append(String.format(Locale.ROOT, "  netlib sgemm (%s), %s threads  %.3f s (%.0f GFLOP/s)%n",
            roof.get("netlib_blas"), roof.get("threads"), num(roof.get("netlib_sgemm_median_s")),
            num(roof.get("netlib_sgemm_gflops"))));
      }
    }
    Map<?, ?> check = (Map<?, ?>) f.get("results_check");
    if (check != null) {
      sb.append(String.format(Locale.ROOT, "  same top-N                     %s (%s identical, %s up to near-ties, %s "
          + "mismatched, %s missing)%n", check.get("same_top_n"), check.get("users_identical"),
          check.get("users_equal_up_to_ties"), check.get("users_mismatched"), check.get("users_missing")));
    }
    Map<?, ?> approx = (Map<?, ?>) f.get("approximate");
    if (approx != null) {
      sb.append(String.format(Locale.ROOT, "  approximate (IVF %s clusters, %s probes)  %.2f s, %.1fx faster than exact "
          + "(%.1fx with the %.1f s build), Recall@%s %.3f%n", approx.get("clusters"), approx.get("probes"),
          num(approx.get("median_s")), num(approx.get("speedup_vs_exact")),
          num(approx.get("speedup_vs_exact_including_build")), num(approx.get("build_s")), params.get("n"),
          num(approx.get("recall_at_n"))));
    }
    Object sweep = f.get("sweep");
    if (sweep instanceof List<?> points) {
      sb.append("  sweep (ours / roof, seconds):\n");
      for (Object o : points) {
        Map<?, ?> pt = (Map<?, ?>) o;
        sb.append(String.format(Locale.ROOT, "    %-6s x%s  %7s users %7s items rank %4s   %.2f / %.2f   heap %s MB%n",
            pt.get("axis"), pt.get("factor"), pt.get("users"), pt.get("items"), pt.get("rank"),
            num(pt.get("ours_median_s")), num(pt.get("roof_median_s")), pt.get("ours_peak_heap_mb")));
      }
    }
    sb.append("========================================================================\n");
    return sb.toString();
  }

  private static void row(StringBuilder sb, String name, Map<?, ?> m) {
    if (m == null) {
      return;
    }
    sb.append(String.format(Locale.ROOT, "  %-30s %7.2f s median of %s, %6.1f GFLOP/s effective, %.2e pairs/s%s%n",
        name, num(m.get("median_s")), ((List<?>) m.get("runs_s")).size(), num(m.get("effective_gflops")),
        num(m.get("pairs_per_s")), m.containsKey("peak_heap_mb") ? ", peak heap " + m.get("peak_heap_mb") + " MB" : ""));
  }

  private static double num(Object o) {
    return o instanceof Number n ? n.doubleValue() : Double.NaN;
  }
}
