package io.recsysnightly.publish;

import io.recsysnightly.RecsysException;
import io.recsysnightly.io.FileStore;
import io.recsysnightly.report.StepReport;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.Path;

/**
 * The publications under an output root and the LATEST pointer between them.
 *
 * <p>A publication directory is immutable once it exists: a new run is staged completely, then
 * renamed to a name nobody has used yet, and only then does LATEST (a small file replaced in one
 * rename) name it. The first publication of date D is {@code dt=D}; re-publishing the same date
 * (a retry, a --force after a refusal, a fix) creates {@code dt=D_2}, {@code dt=D_3}, ... instead of
 * replacing {@code dt=D}. Replacing in place would make the directory a reader just resolved from
 * LATEST vanish for a moment, or change under a reader that is part way through it; with immutable
 * directories a reader following LATEST sees the previous complete run or the new complete run,
 * nothing else. The price is that {@code dt=D} by name is the first publication of D: readers who
 * must see the current one follow LATEST.
 */
public final class Publications {
  private static final Pattern NAME = Pattern.compile("dt=(\\d{4}-\\d{2}-\\d{2})(?:_(\\d+))?");
  public static final String REFUSED = "_refused";

  private final FileStore files;
  private final Path root;
  private final Pointer latest;

  public Publications(FileStore files, Path root) {
    this.files = files;
    this.root = root;
    this.latest = new Pointer(files, new Path(root, "LATEST"));
  }

  /** One publication directory: its name, date, sequence within the date, and whether it is complete. */
  public record Run(String name, Path dir, LocalDate date, int sequence, boolean refused, boolean complete,
      Optional<Map<String, Object>> manifest) {}

  public Path root() {
    return root;
  }

  public Path latestPointer() {
    return latest.file();
  }

  /** The name LATEST holds, e.g. {@code dt=2018-09-25}; empty before the first publication. */
  public Optional<String> latest() {
    return latest.read();
  }

  /** The publication LATEST names, read (empty before the first publication). */
  public Optional<Run> latestRun() {
    return latest().flatMap(name -> read(new Path(root, name), false));
  }

  /** Every publication directory, refused ones included, by date then sequence. */
  public List<Run> all() {
    List<Run> runs = new ArrayList<>();
    for (String name : files.listNames(root)) {
      read(new Path(root, name), false).ifPresent(runs::add);
    }
    for (String name : files.listNames(new Path(root, REFUSED))) {
      read(new Path(new Path(root, REFUSED), name), true).ifPresent(runs::add);
    }
    runs.sort(Comparator.comparing(Run::date).thenComparing(Run::refused).thenComparingInt(Run::sequence));
    return runs;
  }

  /** The newest complete, not refused publication of {@code date}. */
  public Optional<Run> newestOf(LocalDate date) {
    return all().stream().filter(r -> !r.refused() && r.complete() && r.date().equals(date))
        .max(Comparator.comparingInt(Run::sequence));
  }

  /** The manifests of the last {@code n} complete, not refused publications dated before {@code date}, oldest first. */
  public List<Map<String, Object>> manifestsBefore(LocalDate date, int n) {
    List<Map<String, Object>> manifests = all().stream()
        .filter(r -> !r.refused() && r.complete() && r.date().isBefore(date))
        .flatMap(r -> r.manifest().stream()).toList();
    return manifests.subList(Math.max(0, manifests.size() - n), manifests.size());
  }

  /** A name for a new publication of {@code date} that no directory has had: dt=D, else dt=D_2, ... */
  public String newName(LocalDate date) {
    String base = "dt=" + date;
    if (!files.exists(new Path(root, base))) {
      return base;
    }
    for (int n = 2; ; n++) {
      if (!files.exists(new Path(root, base + "_" + n))) {
        return base + "_" + n;
      }
    }
  }

  /** Complete means both markers written last are there: {@code _SUCCESS} and a readable manifest. */
  public boolean isComplete(Path dir) {
    return Pointer.isComplete(files, dir);
  }

  /** Points LATEST at the complete publication {@code name}, in one atomic file replace. */
  public void pointLatestAt(String name, Runnable beforeRename) {
    Path dir = new Path(root, name);
    if (!isComplete(dir)) {
      throw new RecsysException(RecsysException.EXIT_USAGE, "Will not point LATEST at " + dir
          + ": it is not a complete publication (no _SUCCESS or no manifest.json).");
    }
    latest.write(name, beforeRename);
  }

  private Optional<Run> read(Path dir, boolean refused) {
    Matcher m = NAME.matcher(dir.getName());
    if (!m.matches() || files.isFile(dir) || !files.exists(dir)) {
      return Optional.empty();
    }
    boolean complete = isComplete(dir);
    Optional<Map<String, Object>> manifest = Optional.empty();
    Path manifestFile = new Path(dir, "manifest.json");
    if (files.exists(manifestFile)) {
      try {
        manifest = Optional.of(StepReport.parseJson(files.readText(manifestFile)));
      } catch (RuntimeException e) {
        complete = false;
      }
    }
    return Optional.of(new Run(dir.getName(), dir, LocalDate.parse(m.group(1)),
        m.group(2) == null ? 1 : Integer.parseInt(m.group(2)), refused, complete, manifest));
  }
}
