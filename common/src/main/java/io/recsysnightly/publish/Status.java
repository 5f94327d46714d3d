package io.recsysnightly.publish;

import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.io.FileStore;
import io.recsysnightly.report.NightFigures;
import io.recsysnightly.report.StepReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.Path;

/**
 * The {@code status} operation: every publication under the output root with its date, model
 * version, NDCG@K of ALS and of the baseline, gate verdict and completeness; which one LATEST
 * names, and the refresh delta readers merge into it; who holds the run lock; and a table of the last
 * nights' figures (holdout and forward NDCG, input volume, model drift), as the run report's trends.
 */
public final class Status {
  public static final String STEP = "status";

  private final FileStore files;
  private final Path outputRoot;
  private final int nights;

  /** @param nights how many of the newest publications the table of nights shows */
  public Status(FileStore files, Path outputRoot, int nights) {
    this.files = files;
    this.outputRoot = outputRoot;
    this.nights = nights;
  }

  public StepReport execute() {
    StepReport report = new StepReport(STEP);
    Publications publications = new Publications(files, outputRoot);
    String latest = publications.latest().orElse("");
    // Read once: each read lists every publication directory and parses every manifest.
    List<Publications.Run> runs = publications.all();
    long complete = 0;
    for (Publications.Run run : runs) {
      report.metric(label(run), describe(run) + (run.name().equals(latest) && !run.refused() ? "  <- LATEST" : ""));
      complete += run.complete() ? 1 : 0;
    }
    report.count("publications", runs.size());
    report.count("complete", complete);
    report.output("output root", outputRoot);
    report.output("LATEST", latest.isEmpty() ? "(none: nothing published yet)" : latest);
    if (!latest.isEmpty()) {
      report.output("refresh delta", refreshDelta(new RefreshDeltas(files, outputRoot, latest)));
    }
    report.output("lock", RunLock.holder(files, outputRoot).map(s -> s.replaceAll("\\s+", " ").strip())
        .orElse("free"));
    nightTable(report, runs.stream().filter(r -> r.manifest().isPresent()).toList());
    return report.finished();
  }

  /** The newest {@code nights} publications with a manifest, oldest first, one row each. */
  private void nightTable(StepReport report, List<Publications.Run> runs) {
    if (runs.isEmpty()) {
      return;
    }
    List<Publications.Run> last = runs.subList(Math.max(0, runs.size() - nights), runs.size());
    List<List<String>> rows = new ArrayList<>();
    int k = 10;
    for (Publications.Run run : last) {
      NightFigures figures = NightFigures.of(run.manifest().get());
      List<String> cells = new ArrayList<>(figures.cells());
      cells.set(0, label(run));
      rows.add(cells);
      k = figures.k();
    }
    report.table(String.format(Locale.ROOT, "the last %d of %d publications (%s=%d)", last.size(), runs.size(),
        ConfigKeys.REPORT_HISTORY_NIGHTS.name(), nights), NightFigures.header(k), rows);
  }

  /** The directory name, under {@code _refused/} for a refused run. */
  private static String label(Publications.Run run) {
    return (run.refused() ? Publications.REFUSED + "/" : "") + run.name();
  }

  /** The delta of LATEST's publication readers merge in: its name, as-of time and users refreshed. */
  private String refreshDelta(RefreshDeltas deltas) {
    Optional<String> name = deltas.latest();
    if (name.isEmpty()) {
      return "(none: no refresh since this publication)";
    }
    Path manifest = new Path(new Path(deltas.dir(), name.get()), "manifest.json");
    if (!files.exists(manifest)) {
      return name.get() + " INCOMPLETE (no manifest)";
    }
    Map<String, Object> m = StepReport.parseJson(files.readText(manifest));
    Object users = m.get("output_counts") instanceof Map<?, ?> counts ? counts.get("recommendations") : "?";
    return name.get() + ", as of " + m.get("as_of") + ", " + users + " users refreshed";
  }

  private static String describe(Publications.Run run) {
    if (run.manifest().isEmpty()) {
      return "INCOMPLETE (no manifest)";
    }
    Map<String, Object> m = run.manifest().get();
    StringBuilder sb = new StringBuilder();
    sb.append(m.get("model_version"));
    if (m.get("metrics") instanceof Map<?, ?> metrics && Boolean.TRUE.equals(metrics.get("evaluated"))) {
      String ndcg = "ndcg@" + metrics.get("k");
      sb.append(String.format(Locale.ROOT, ", %s als %.4f pop %.4f", ndcg, metric(metrics, "als", ndcg),
          metric(metrics, "popularity", ndcg)));
    }
    NightFigures figures = NightFigures.of(m);
    if (m.get("metrics") instanceof Map<?, ?> metrics && metrics.get("forward") instanceof Map<?, ?> forward
        && Boolean.TRUE.equals(forward.get("checked")) && forward.get("personal") instanceof Map<?, ?>) {
      sb.append(String.format(Locale.ROOT, ", forward ndcg@%s of %s %.4f (__all__ %.4f, %.0f users)",
          forward.get("k"), forward.get("publication"), figures.forwardServed(), figures.forwardAll(),
          figures.forwardUsers()));
    }
    if (!figures.gate().isEmpty()) {
      sb.append(", gate ").append(figures.gate());
    }
    if (m.get("experiment") instanceof Map<?, ?> experiment) {
      sb.append(", A/B variants published ").append(experiment.get("published_variants"));
      if (experiment.get("refused_variants") instanceof Map<?, ?> refused && !refused.isEmpty()) {
        sb.append(", refused ").append(refused.keySet());
      }
    }
    if (m.get("output_counts") instanceof Map<?, ?> counts && counts.get("recommendations") != null) {
      sb.append(", ").append(counts.get("recommendations")).append(" users");
    }
    sb.append(run.complete() ? "" : ", INCOMPLETE (no _SUCCESS)");
    return sb.toString();
  }

  private static double metric(Map<?, ?> metrics, String model, String name) {
    return metrics.get(model) instanceof Map<?, ?> m && m.get(name) instanceof Number n ? n.doubleValue() : Double.NaN;
  }
}
