package io.recsysnightly.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The run's {@code report.html}: one self-contained page (inline SVG, no script from elsewhere, no
 * network) built from the manifest: ALS beside the baselines and the last published run, Recall@K
 * and NDCG@K curves, the long tail, the score distribution, coverage by category, NDCG by segment
 * and by activity bucket, and the step timings.
 */
public final class RunReport {
  private static final String[] MODELS = {"als", "popularity", "popularity_decayed", "item_knn"};
  private static final Map<String, String> MODEL_NAMES = Map.of("als", "ALS", "popularity", "most popular",
      "popularity_decayed", "most popular (decayed)", "item_knn", "item-kNN");
  private static final String[] HEADLINE = {"precision", "recall", "ndcg", "map", "hit_rate"};

  private RunReport() {}

  /**
   * @param manifest this run's manifest (date, model_version, metrics, gate, steps)
   * @param previous the manifest of the last published run, if any
   * @param history the manifests of the publications before this run, oldest first (the trend plots)
   */
  public static String render(Map<String, Object> manifest, Optional<Map<String, Object>> previous,
      List<Map<String, Object>> history) {
    Map<String, Object> metrics = map(manifest.get("metrics"));
    StringBuilder body = new StringBuilder();
    String date = String.valueOf(manifest.get("date"));
    body.append("<h1>recsys-nightly run ").append(Svg.esc(date)).append("</h1>\n<p>model version <code>")
        .append(Svg.esc(String.valueOf(manifest.get("model_version")))).append("</code>");
    Map<String, Object> gate = map(manifest.get("gate"));
    if (!gate.isEmpty()) {
      boolean passed = Boolean.TRUE.equals(gate.get("passed"));
      body.append(" · quality gate <b class=\"").append(passed ? "ok" : "bad").append("\">")
          .append(passed ? "passed" : "refused").append("</b>");
      for (Object r : list(gate.get("reasons"))) {
        body.append(" — ").append(Svg.esc(String.valueOf(r)));
      }
    }
    body.append("</p>\n");
    Map<String, Object> experiment = map(manifest.get("experiment"));
    if (!experiment.isEmpty()) {
      variants(body, experiment, map(manifest.get("variants")), (int) number(metrics.get("k")));
      body.append("<p>Below: the first variant's evaluation in detail.</p>\n");
    }
    if (Boolean.TRUE.equals(metrics.get("evaluated"))) {
      evaluation(body, metrics, previous.map(p -> map(p.get("metrics"))), previous.map(p -> String.valueOf(
          p.get("date"))));
    } else {
      body.append("<p>This run was not evaluated (recsys.eval.enabled=false): no quality plots.</p>\n");
    }
    forward(body, map(metrics.get("forward")));
    trends(body, manifest, history);
    timings(body, map(manifest.get("steps")));
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>recsys-nightly " + Svg.esc(date)
        + "</title>\n<style>body{font-family:sans-serif;margin:24px;max-width:1400px;color:#222}"
        + "section{display:inline-block;vertical-align:top;margin:8px 16px 16px 0}h2{font-size:16px}"
        + "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
        + "th:first-child,td:first-child{text-align:left}.ok{color:#2a7d2a}.bad{color:#b22}</style></head>\n<body>\n"
        + body + "<script>document.body.dataset.plots = String(Array.from(document.querySelectorAll('svg.plot'))"
        + ".filter(function (s) { return s.getBoundingClientRect().width > 0; }).length);</script>\n</body></html>\n";
  }

  private static void evaluation(StringBuilder body, Map<String, Object> metrics,
      Optional<Map<String, Object>> previous, Optional<String> previousDate) {
    int k = ((Number) metrics.get("k")).intValue();
    List<Integer> ks = new ArrayList<>();
    for (Object o : list(metrics.get("ks"))) {
      ks.add(((Number) o).intValue());
    }
    if (ks.isEmpty()) {
      ks.add(k);
    }
    List<String> models = new ArrayList<>();
    for (String m : MODELS) {
      if (metrics.get(m) instanceof Map<?, ?>) {
        models.add(m);
      }
    }
    table(body, metrics, models, ks, k);

    Map<String, double[]> bars = new LinkedHashMap<>();
    for (String m : models) {
      bars.put(MODEL_NAMES.get(m), headline(map(metrics.get(m)), k));
    }
    previous.filter(p -> p.get("als") instanceof Map<?, ?>).ifPresent(p -> bars.put("ALS, last published ("
        + previousDate.orElse("?") + ")", headline(map(p.get("als")), k)));
    List<String> names = new ArrayList<>();
    for (String h : HEADLINE) {
      names.add(h + "@" + k);
    }
    section(body, "ALS and baselines at K=" + k + " (holdout)", Svg.bars("metrics", "metrics at K=" + k, names, bars,
        "%.2f"));
    if (metrics.get("starter_segment") instanceof Map<?, ?> segment
        && metrics.get("starter_popularity") instanceof Map<?, ?> popular) {
      Map<String, double[]> starter = new LinkedHashMap<>();
      starter.put("starter list of their segment", headline(map(segment), k));
      starter.put("global most popular", headline(map(popular), k));
      section(body, "Starter lists for newcomers at K=" + k + " (held-out users taken as cold: no history used)",
          Svg.bars("starter", "starter lists at K=" + k, names, starter, "%.2f"));
    }

    if (metrics.get("rerank_tradeoffs") instanceof Map<?, ?> tradeoffs && !tradeoffs.isEmpty()) {
      rerankTradeoffs(body, map(tradeoffs), k);
    }

    double[] x = ks.stream().mapToDouble(Integer::doubleValue).toArray();
    for (String metric : new String[] {"recall", "ndcg"}) {
      Map<String, double[]> curves = new LinkedHashMap<>();
      for (String m : models) {
        Map<String, Object> mm = map(metrics.get(m));
        curves.put(MODEL_NAMES.get(m), ks.stream().mapToDouble(kk -> number(mm.get(metric + "@" + kk))).toArray());
      }
      section(body, (metric.equals("ndcg") ? "NDCG" : "Recall") + "@K", Svg.lines(metric + "-at-k", metric + "@K", x,
          curves, "K", "%.2f"));
    }

    Map<String, Object> als = map(map(metrics.get("details")).get("als"));
    List<Object> tail = list(als.get("long_tail"));
    if (!tail.isEmpty()) {
      double[] ranks = new double[tail.size()];
      double[] rec = new double[tail.size()];
      double[] hold = new double[tail.size()];
      for (int i = 0; i < tail.size(); i++) {
        List<Object> row = list(tail.get(i));
        ranks[i] = number(row.get(0));
        rec[i] = number(row.get(1));
        hold[i] = number(row.get(2));
      }
      Map<String, double[]> series = new LinkedHashMap<>();
      series.put("share of ALS recommendations@" + k, rec);
      series.put("share of held-out interactions", hold);
      section(body, "Long tail: items by training popularity rank (bins of equal size)", Svg.lines("long-tail",
          "long tail", ranks, series, "item popularity rank (upper end of bin)", "%.2f"));
    }
    Map<String, Object> hist = map(als.get("score_histogram"));
    if (!hist.isEmpty()) {
      List<Object> counts = list(hist.get("counts"));
      double lo = number(hist.get("min"));
      double hi = number(hist.get("max"));
      List<String> labels = new ArrayList<>();
      double[] values = new double[counts.size()];
      for (int i = 0; i < counts.size(); i++) {
        labels.add(i % 4 == 0 ? String.format(Locale.ROOT, "%.2f", lo + (hi - lo) * i / counts.size()) : "");
        values[i] = number(counts.get(i));
      }
      section(body, "Distribution of ALS scores in the top-" + k + " lists", Svg.bars("scores", "scores", labels,
          Map.of("lists entries", values), "%.0f"));
    }
    hbarSection(body, "Catalogue coverage by category (ALS top-" + k + ")", "coverage-by-category",
        map(als.get("coverage_by_category")), "%.2f", 40);
    Map<String, Object> segments = new LinkedHashMap<>();
    map(als.get("by_segment")).entrySet().stream()
        .sorted((a, b) -> Long.compare(users(b.getValue()), users(a.getValue())))
        .limit(30)
        .forEach(e -> segments.put(e.getKey() + " (" + users(e.getValue()) + ")", map(e.getValue()).get("ndcg")));
    hbarSection(body, "ALS NDCG@" + k + " by user segment (30 largest; users in brackets)", "ndcg-by-segment", segments,
        "%.3f", 30);

    List<String> buckets = List.of("cold", "light", "heavy");
    Map<String, double[]> byBucket = new LinkedHashMap<>();
    for (String m : models) {
      Map<String, Object> b = map(map(map(metrics.get("details")).get(m)).get("by_activity"));
      byBucket.put(MODEL_NAMES.get(m), buckets.stream().mapToDouble(n -> number(map(b.get(n)).get("ndcg"))).toArray());
    }
    Map<String, Object> alsBuckets = map(als.get("by_activity"));
    List<String> bucketLabels = buckets.stream().map(n -> n + " (" + users(alsBuckets.get(n)) + " users)").toList();
    section(body, "NDCG@" + k + " by activity bucket", Svg.bars("ndcg-by-activity", "ndcg by activity", bucketLabels,
        byBucket, "%.2f"));
  }

  /**
   * What each re-ranking rule costs and buys: per setting, NDCG and coverage at K as labelled bars
   * (ten settings do not fit as grouped bars), and all four measures in a table.
   */
  /** The A/B variants side by side (holdout metrics, gate verdict) and the arm shares, configured and observed. */
  private static void variants(StringBuilder body, Map<String, Object> experiment, Map<String, Object> variants,
      int k) {
    String[] metrics = {"ndcg", "precision", "recall", "map", "coverage", "popularity_of_recommended", "diversity"};
    Map<String, Object> configured = map(experiment.get("configured_shares"));
    Map<String, Object> observed = map(experiment.get("observed_shares"));
    body.append("<section><h2>A/B variants (salt ").append(Svg.esc(String.valueOf(experiment.get("salt"))))
        .append(String.format(Locale.ROOT, ", %.0f users assigned)", number(experiment.get("users_assigned"))))
        .append("</h2><table><tr><th>variant</th><th>overrides</th><th>share configured</th><th>share observed</th>"
            + "<th>gate</th>");
    for (String m : metrics) {
      body.append("<th>").append(Svg.esc(m.replace('_', ' ') + "@" + k)).append("</th>");
    }
    body.append("<th>popularity baseline ndcg@").append(k).append("</th></tr>\n");
    Map<String, Object> ndcg = new LinkedHashMap<>();
    Map<String, Object> coverage = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : variants.entrySet()) {
      Map<String, Object> variant = map(e.getValue());
      Map<String, Object> als = map(map(variant.get("metrics")).get("als"));
      Map<String, Object> gate = map(variant.get("gate"));
      boolean passed = Boolean.TRUE.equals(gate.get("passed"));
      ndcg.put(e.getKey(), als.get("ndcg@" + k));
      coverage.put(e.getKey(), als.get("coverage@" + k));
      body.append("<tr><td>").append(Svg.esc(e.getKey())).append("</td><td>")
          .append(Svg.esc(String.valueOf(variant.get("overrides")))).append("</td>")
          .append(String.format(Locale.ROOT, "<td>%.4f</td><td>%.4f</td>", share(configured, e.getKey()),
              number(observed.get(e.getKey()))))
          .append("<td class=\"").append(passed ? "ok\">passed" : "bad\">refused: ")
          .append(Svg.esc(String.join("; ", list(gate.get("reasons")).stream().map(String::valueOf).toList())))
          .append("</td>");
      for (String m : metrics) {
        body.append(String.format(Locale.ROOT, "<td>%.4f</td>", number(als.get(m + "@" + k))));
      }
      body.append(String.format(Locale.ROOT, "<td>%.4f</td></tr>%n",
          number(map(map(variant.get("metrics")).get("popularity")).get("ndcg@" + k))));
    }
    body.append("</table><p>Holdout metrics are the evaluation fit's ALS lists before re-ranking: a variant "
        + "that changes only re-ranking settings scores as its base.</p></section>\n");
    List<String> names = new ArrayList<>(variants.keySet());
    Map<String, double[]> shares = new LinkedHashMap<>();
    shares.put("configured", names.stream().mapToDouble(n -> share(configured, n)).toArray());
    shares.put("observed", names.stream().mapToDouble(n -> number(observed.get(n))).toArray());
    section(body, "Arm shares: configured and observed in assignments", Svg.bars("arm-shares", "arm shares", names,
        shares, "%.3f"));
    hbarSection(body, "NDCG@" + k + " by variant", "variant-ndcg", ndcg, "%.4f", variants.size());
    hbarSection(body, "Catalogue coverage@" + k + " by variant", "variant-coverage", coverage, "%.4f",
        variants.size());
  }

  /** A variant's configured share as a fraction of all shares. */
  private static double share(Map<String, Object> configured, String variant) {
    double total = configured.values().stream().mapToDouble(RunReport::number).sum();
    return total == 0 ? 0 : number(configured.get(variant)) / total;
  }

  private static void rerankTradeoffs(StringBuilder body, Map<String, Object> tradeoffs, int k) {
    String[] metrics = {"ndcg", "coverage", "diversity", "popularity_of_recommended"};
    Map<String, Object> ndcg = new LinkedHashMap<>();
    Map<String, Object> coverage = new LinkedHashMap<>();
    body.append("<section><h2>Re-ranking rules: what each costs and buys at K=").append(k)
        .append(" (ALS's lists on the holdout)</h2><table><tr><th>setting</th>");
    for (String m : metrics) {
      body.append("<th>").append(Svg.esc(m.replace('_', ' ') + "@" + k)).append("</th>");
    }
    body.append("</tr>");
    for (Map.Entry<String, Object> setting : tradeoffs.entrySet()) {
      Map<String, Object> values = map(setting.getValue());
      ndcg.put(setting.getKey(), values.get("ndcg@" + k));
      coverage.put(setting.getKey(), values.get("coverage@" + k));
      body.append("<tr><td>").append(Svg.esc(setting.getKey())).append("</td>");
      for (String m : metrics) {
        body.append(String.format(Locale.ROOT, "<td>%.4f</td>", number(values.get(m + "@" + k))));
      }
      body.append("</tr>");
    }
    body.append("</table></section>");
    hbarSection(body, "NDCG@" + k + " by re-ranking setting", "rerank-tradeoffs", ndcg, "%.4f", tradeoffs.size());
    hbarSection(body, "Catalogue coverage@" + k + " by re-ranking setting", "rerank-coverage", coverage, "%.4f",
        tradeoffs.size());
  }

  /** The forward check: yesterday's served lists against the new items their users took since. */
  private static void forward(StringBuilder body, Map<String, Object> forward) {
    if (forward.isEmpty()) {
      return;
    }
    if (!Boolean.TRUE.equals(forward.get("checked"))) {
      body.append("<p>Forward check: not done (").append(Svg.esc(String.valueOf(forward.get("reason"))))
          .append(").</p>\n");
      return;
    }
    int k = (int) number(forward.get("k"));
    List<String> names = List.of("hit_rate@" + k, "recall@" + k, "ndcg@" + k, "precision@" + k);
    Map<String, double[]> bars = new LinkedHashMap<>();
    StringBuilder table = new StringBuilder("<table><tr><th>group</th><th>lists</th><th>users</th>");
    names.forEach(n -> table.append("<th>").append(n).append("</th>"));
    table.append("</tr>\n");
    for (String group : List.of("personal", "starter")) {
      Map<String, Object> g = map(forward.get(group));
      for (String list : List.of("published", "starter_all")) {
        Map<String, Object> m = map(g.get(list));
        String label = (group.equals("personal") ? "personal vector" : "segment or global mean") + ", "
            + (list.equals("published") ? "list as served" : "__all__ starter list");
        table.append("<tr><td>").append(Svg.esc(group)).append("</td><td>").append(Svg.esc(list)).append("</td><td>")
            .append(String.format(Locale.ROOT, "%.0f", number(g.get("users")))).append("</td>");
        double[] values = new double[names.size()];
        for (int i = 0; i < names.size(); i++) {
          values[i] = number(m.get(names.get(i)));
          table.append(String.format(Locale.ROOT, "<td>%.4f</td>", values[i]));
        }
        table.append("</tr>\n");
        if (number(g.get("users")) > 0) {
          bars.put(label, values);
        }
      }
    }
    table.append("</table>");
    String title = "Forward check: " + forward.get("publication") + "'s lists against new items from " + forward.get(
        "since") + " to " + forward.get("until") + " (" + String.format(Locale.ROOT, "%.0f", number(forward.get(
        "users_active"))) + " of " + String.format(Locale.ROOT, "%.0f", number(forward.get("users_with_list")))
        + " users with a list took a new item)";
    body.append("<section><h2>").append(Svg.esc(title)).append("</h2>").append(table);
    if (!bars.isEmpty()) {
      body.append(Svg.bars("forward", "forward metrics at K=" + k, names, bars, "%.2f"));
    }
    body.append("</section>\n");
  }

  /**
   * The last nights: holdout NDCG and the forward check's NDCG per publication, and a table of every
   * night's figures (input volume and model drift included) that also says which configuration keys
   * changed from the night before (the model version changes every night, as it includes the date).
   */
  private static void trends(StringBuilder body, Map<String, Object> manifest, List<Map<String, Object>> history) {
    List<Map<String, Object>> nights = new ArrayList<>(history);
    nights.add(manifest);
    if (nights.size() < 2) {
      return;
    }
    NightFigures tonight = NightFigures.of(manifest);
    String ndcg = "ndcg@" + tonight.k();
    java.time.LocalDate today = java.time.LocalDate.parse(tonight.date());
    double[] x = new double[nights.size()];
    Map<String, double[]> series = new LinkedHashMap<>();
    String[] names = {"holdout, ALS", "forward, lists as served (personal)", "forward, __all__ (personal)"};
    for (String name : names) {
      series.put(name, new double[nights.size()]);
    }
    StringBuilder table = new StringBuilder("<table><tr>");
    List<String> header = new ArrayList<>(NightFigures.header(tonight.k()));
    header.add(1, "model version");
    header.add("configuration changed");
    header.forEach(h -> table.append("<th>").append(Svg.esc(h)).append("</th>"));
    table.append("</tr>\n");
    Map<String, Object> before = null;
    Map<Double, String> markers = new LinkedHashMap<>();
    for (int i = 0; i < nights.size(); i++) {
      Map<String, Object> night = nights.get(i);
      NightFigures figures = NightFigures.of(night);
      x[i] = -java.time.temporal.ChronoUnit.DAYS.between(java.time.LocalDate.parse(figures.date()), today);
      double[] values = {figures.holdoutNdcg(), figures.forwardServed(), figures.forwardAll()};
      for (int s = 0; s < names.length; s++) {
        series.get(names[s])[i] = values[s];
      }
      List<String> cells = new ArrayList<>(figures.cells());
      cells.add(1, figures.modelVersion());
      String changed = before == null ? "" : changedKeys(map(before.get("config")), map(night.get("config")));
      if (!changed.isEmpty() && !changed.equals("none")) {
        markers.put(x[i], "configuration changed on " + figures.date() + ": " + changed);
      }
      cells.add(changed);
      table.append("<tr>");
      cells.forEach(c -> table.append("<td>").append(Svg.esc(c)).append("</td>"));
      table.append("</tr>\n");
      before = night;
    }
    table.append("</table>");
    body.append("<section><h2>").append(Svg.esc("The last " + nights.size() + " nights: " + ndcg + " on the holdout "
        + "and forward, input volume and model drift")).append("</h2>").append(Svg.lines("trends", ndcg + " by night",
        x, series, markers, "days before this run (dashed: the configuration changed)", "%.2f")).append(table)
        .append("</section>\n");
  }

  /** The configuration keys whose values differ between two nights (the run date aside), or "none". */
  private static String changedKeys(Map<String, Object> before, Map<String, Object> after) {
    java.util.TreeSet<String> keys = new java.util.TreeSet<>(before.keySet());
    keys.addAll(after.keySet());
    keys.removeIf(key -> key.equals("recsys.run.date")
        || java.util.Objects.equals(String.valueOf(before.get(key)), String.valueOf(after.get(key))));
    return keys.isEmpty() ? "none" : String.join(", ", keys);
  }

  private static void table(StringBuilder body, Map<String, Object> metrics, List<String> models, List<Integer> ks,
      int k) {
    body.append("<section><h2>Holdout metrics</h2><table><tr><th>metric</th>");
    for (String m : models) {
      body.append("<th>").append(Svg.esc(MODEL_NAMES.get(m))).append("</th>");
    }
    body.append("</tr>\n");
    List<String> rows = new ArrayList<>();
    for (int kk : ks) {
      for (String h : HEADLINE) {
        rows.add(h + "@" + kk);
      }
      rows.add("coverage@" + kk);
    }
    rows.addAll(List.of("gini@" + k, "diversity@" + k, "popularity_of_recommended@" + k, "popularity_of_holdout",
        "users_evaluated", "users_skipped_no_holdout"));
    for (String r : rows) {
      body.append("<tr><td>").append(r).append("</td>");
      for (String m : models) {
        Object v = map(metrics.get(m)).get(r);
        body.append("<td>").append(v == null ? "" : String.format(Locale.ROOT,
            r.startsWith("users") ? "%.0f" : "%.4f", number(v))).append("</td>");
      }
      body.append("</tr>\n");
    }
    body.append("</table></section>\n");
  }

  private static void timings(StringBuilder body, Map<String, Object> steps) {
    List<String> labels = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    for (Map.Entry<String, Object> step : steps.entrySet()) {
      for (Map.Entry<String, Object> phase : map(map(step.getValue()).get("timings_seconds")).entrySet()) {
        labels.add(step.getKey() + ": " + phase.getKey());
        values.add(number(phase.getValue()));
      }
    }
    if (!labels.isEmpty()) {
      section(body, "Step timings (seconds)", Svg.hbars("timings", "step timings", labels,
          values.stream().mapToDouble(Double::doubleValue).toArray(), "%.1f s"));
    }
  }

  private static void hbarSection(StringBuilder body, String title, String id, Map<String, Object> values,
      String fmt, int limit) {
    if (values.isEmpty()) {
      return;
    }
    List<String> labels = new ArrayList<>();
    List<Double> v = new ArrayList<>();
    values.entrySet().stream().limit(limit).forEach(e -> {
      labels.add(e.getKey());
      v.add(number(e.getValue()));
    });
    section(body, title, Svg.hbars(id, title, labels, v.stream().mapToDouble(Double::doubleValue).toArray(), fmt));
  }

  private static void section(StringBuilder body, String title, String svg) {
    body.append("<section><h2>").append(Svg.esc(title)).append("</h2>").append(svg).append("</section>\n");
  }

  private static double[] headline(Map<String, Object> m, int k) {
    double[] out = new double[HEADLINE.length];
    for (int i = 0; i < HEADLINE.length; i++) {
      out[i] = number(m.get(HEADLINE[i] + "@" + k));
    }
    return out;
  }

  private static long users(Object group) {
    return (long) number(map(group).get("users"));
  }

  private static double number(Object o) {
    return o instanceof Number n ? n.doubleValue() : 0;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    if (o instanceof List<?> l) {
      return (List<Object>) l;
    }
    if (o instanceof long[] a) {
      List<Object> out = new ArrayList<>();
      for (long v : a) {
        out.add(v);
      }
      return out;
    }
    return List.of();
  }

  /** The report of a run about to be published: this manifest beside the one LATEST points at. */
  public static String render(io.recsysnightly.io.RunContext ctx, Map<String, Object> manifest,
      List<Map<String, Object>> history) {
    Optional<Map<String, Object>> previous = Optional.empty();
    try {
      org.apache.hadoop.fs.Path latest = ctx.paths().latestPointer();
      if (ctx.files().exists(latest)) {
        org.apache.hadoop.fs.Path m = new org.apache.hadoop.fs.Path(new org.apache.hadoop.fs.Path(
            ctx.paths().outputRoot(), ctx.files().readText(latest).trim()), "manifest.json");
        if (ctx.files().exists(m)) {
          previous = Optional.of(StepReport.parseJson(ctx.files().readText(m)));
        }
      }
    } catch (RuntimeException e) {
      // The comparison is a convenience: an unreadable previous manifest must not fail the run.
      System.out.println("report: cannot read the last published manifest for comparison: " + e.getMessage());
    }
    return render(StepReport.parseJson(StepReport.toJson(manifest)), previous, history);
  }
}
