package io.recsysnightly.publish;

import io.recsysnightly.RecsysException;
import io.recsysnightly.io.FileStore;
import io.recsysnightly.report.StepReport;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.Path;

/**
 * The {@code rollback --to X} operation: points LATEST, in one atomic file replace, at an earlier
 * complete publication: X is a date (its newest complete publication) or a directory name such as
 * {@code dt=2018-09-25_2}. Refuses (exit 2) a publication without {@code _SUCCESS} or manifest, or
 * one the gate refused. Nothing is deleted, so a rollback can itself be undone.
 */
public final class Rollback {
  public static final String STEP = "rollback";

  private final FileStore files;
  private final Path outputRoot;
  private final String to;

  public Rollback(FileStore files, Path outputRoot, String to) {
    this.files = files;
    this.outputRoot = outputRoot;
    this.to = to.strip();
  }

  public StepReport execute() {
    StepReport report = new StepReport(STEP);
    Publications publications = new Publications(files, outputRoot);
    String name = resolve(publications);
    Path dir = new Path(outputRoot, name);
    if (!files.exists(dir)) {
      throw RecsysException.config("rollback --to %s: there is no publication %s. Publications: %s.", to, dir,
          available(publications));
    }
    if (!publications.isComplete(dir)) {
      throw RecsysException.config("rollback --to %s: %s is incomplete (no _SUCCESS or no manifest.json): a run "
          + "that was killed or is still being written. LATEST is unchanged. Complete publications: %s.", to, dir,
          available(publications));
    }
    String from = publications.latest().orElse("(none)");
    publications.pointLatestAt(name, () -> {});
    report.metric("LATEST was", from);
    report.metric("LATEST now", name);
    report.output("LATEST", publications.latestPointer() + " -> " + name);
    return report.finished();
  }

  private String resolve(Publications publications) {
    if (to.startsWith("dt=")) {
      return to;
    }
    LocalDate date;
    try {
      date = LocalDate.parse(to);
    } catch (DateTimeParseException e) {
      throw RecsysException.config("rollback --to expects a date YYYY-MM-DD or a publication name dt=...; got '%s'.",
          to);
    }
    Optional<Publications.Run> run = publications.newestOf(date);
    if (run.isEmpty()) {
      throw RecsysException.config("rollback --to %s: no complete publication of %s under %s. Complete "
          + "publications: %s.", to, date, outputRoot, available(publications));
    }
    return run.get().name();
  }

  private static String available(Publications publications) {
    String names = publications.all().stream().filter(r -> r.complete() && !r.refused()).map(Publications.Run::name)
        .collect(Collectors.joining(", "));
    return names.isEmpty() ? "none" : names;
  }
}
