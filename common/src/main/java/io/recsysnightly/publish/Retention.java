package io.recsysnightly.publish;

import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.io.FileStore;
import io.recsysnightly.io.RunPaths;
import io.recsysnightly.report.StepReport;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.fs.Path;

/**
 * The {@code prune} operation: bounds what accumulates night after night. Keeps the
 * {@code recsys.retention.keep-publications} newest complete publications and the one LATEST names;
 * removes every older publication with its refresh deltas, refused runs older than the oldest kept
 * publication, work directories of earlier dates (except the train run cold-start is configured to
 * use), and id-map versions no kept date can need (a re-run of date D extends the newest version
 * before D, so that one stays). A user who asked to be forgotten is then gone from history too.
 * Publications newer than the oldest kept one are never touched, so rollback to any kept run works.
 */
public final class Retention {
  public static final String STEP = "prune";
  private static final String[] ID_MAPS = {"users", "items"};

  private final FileStore files;
  private final PipelineConfig config;
  private final boolean dryRun;

  public Retention(FileStore files, PipelineConfig config, boolean dryRun) {
    this.files = files;
    this.config = config;
    this.dryRun = dryRun;
  }

  public StepReport execute() {
    StepReport report = new StepReport(STEP);
    Path root = new Path(config.get(ConfigKeys.OUTPUT_ROOT));
    Publications publications = new Publications(files, root);
    int keep = config.get(ConfigKeys.KEEP_PUBLICATIONS);
    Optional<String> latest = publications.latest();
    List<Publications.Run> live = publications.all().stream().filter(r -> !r.refused()).toList();
    Comparator<Publications.Run> order = Comparator.comparing(Publications.Run::date)
        .thenComparingInt(Publications.Run::sequence);
    List<Publications.Run> complete = live.stream().filter(Publications.Run::complete).sorted(order.reversed())
        .toList();
    Set<String> kept = new HashSet<>();
    complete.stream().limit(keep).forEach(r -> kept.add(r.name()));
    latest.ifPresent(kept::add);
    report.metric("keeping", keep + " newest complete publications" + latest.map(l -> " and " + l + " (LATEST)")
        .orElse(""));
    Optional<Publications.Run> oldestKept = live.stream().filter(r -> kept.contains(r.name())).min(order);
    if (oldestKept.isEmpty()) {
      report.metric("nothing to prune", "no complete publication under " + root);
      return report.finished();
    }
    LocalDate cutoff = oldestKept.get().date();
    report.metric("oldest publication kept", oldestKept.get().name());
    List<Path> doomed = new ArrayList<>();
    for (Publications.Run run : publications.all()) {
      if (run.refused() && run.date().isBefore(cutoff)) {
        doomed.add(run.dir());
      } else if (!run.refused() && order.compare(run, oldestKept.get()) < 0) {
        doomed.add(run.dir());
        doomed.add(new Path(new Path(root, RefreshDeltas.ROOT), run.name()));
      }
    }
    Path work = RunPaths.workRoot(config);
    Optional<LocalDate> factorsDate = config.get(ConfigKeys.FACTORS_DATE);
    for (String name : files.listNames(work)) {
      Optional<LocalDate> date = dateOf(name);
      if (date.isPresent() && date.get().isBefore(cutoff) && !date.equals(factorsDate)) {
        doomed.add(RunPaths.runDir(work, date.get()));
      }
    }
    for (String entity : ID_MAPS) {
      Path maps = RunPaths.idMapRoot(work, entity);
      List<LocalDate> before = new ArrayList<>();
      for (String name : files.listNames(maps)) {
        dateOf(name).filter(d -> d.isBefore(cutoff)).ifPresent(before::add);
      }
      before.sort(Comparator.naturalOrder());
      // The newest version before the cutoff is what a re-run of the oldest kept date extends.
      for (LocalDate d : before.subList(0, Math.max(0, before.size() - 1))) {
        doomed.add(new Path(maps, "dt=" + d));
      }
    }
    long removed = 0;
    for (Path p : doomed) {
      if (files.exists(p)) {
        removed++;
        report.metric((dryRun ? "would remove " : "removed ") + removed, p.toString());
        if (!dryRun) {
          files.delete(p);
        }
      }
    }
    report.count(dryRun ? "directories that would be removed" : "directories removed", removed);
    report.count("publications kept", kept.size());
    report.output("output root", root);
    return report.finished();
  }

  private static Optional<LocalDate> dateOf(String name) {
    if (!name.matches("dt=\\d{4}-\\d{2}-\\d{2}")) {
      return Optional.empty();
    }
    return Optional.of(LocalDate.parse(name.substring(3)));
  }
}
