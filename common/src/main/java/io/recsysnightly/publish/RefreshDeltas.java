package io.recsysnightly.publish;

import io.recsysnightly.io.FileStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.Path;

/**
 * The intraday deltas of one publication, {@code <output>/refresh/<publication>/delta=N/}, and the
 * pointer {@code <output>/refresh/<publication>/LATEST} naming the current one.
 *
 * <p>The same rules as publications: a delta is staged whole, renamed to a name never used before,
 * and only then named by the pointer (one atomic file replace). Each delta is complete on its own:
 * it holds every user refreshed since the publication, so a loader reads the publication plus one
 * delta, never a chain. A new nightly publication has no deltas yet, so its readers see its own lists.
 */
public final class RefreshDeltas {
  public static final String ROOT = "refresh";
  /** Deltas kept besides the current one: a reader that resolved the pointer just before it moved still finds its delta. */
  static final int KEEP_PREVIOUS = 1;
  private static final Pattern NAME = Pattern.compile("delta=(\\d+)");

  private final FileStore files;
  private final Path dir;
  private final Pointer pointer;

  public RefreshDeltas(FileStore files, Path outputRoot, String publication) {
    this.files = files;
    this.dir = new Path(new Path(outputRoot, ROOT), publication);
    this.pointer = new Pointer(files, new Path(dir, "LATEST"));
  }

  public Path dir() {
    return dir;
  }

  public Path pointer() {
    return pointer.file();
  }

  /** The delta the pointer names, e.g. {@code delta=3}; empty while the publication has none. */
  public Optional<String> latest() {
    return pointer.read();
  }

  /** The delta directories by sequence, complete or not. */
  public List<String> names() {
    List<String> names = new ArrayList<>();
    for (String name : files.listNames(dir)) {
      if (NAME.matcher(name).matches()) {
        names.add(name);
      }
    }
    names.sort(Comparator.comparingInt(RefreshDeltas::sequence));
    return names;
  }

  /** {@code delta=N} with N one more than any delta directory ever created here. */
  public String newName() {
    List<String> names = names();
    return "delta=" + (names.isEmpty() ? 1 : sequence(names.get(names.size() - 1)) + 1);
  }

  public boolean isComplete(Path delta) {
    return Pointer.isComplete(files, delta);
  }

  /** Points the pointer at the complete delta {@code name}, in one atomic file replace. */
  public void pointAt(String name, Runnable beforeRename) {
    Path delta = new Path(dir, name);
    if (!isComplete(delta)) {
      throw new IllegalStateException("Will not point " + pointer() + " at incomplete " + delta);
    }
    pointer.write(name, beforeRename);
  }

  /**
   * Removes what only a killed refresh leaves (half-written pointer replacements, deltas never
   * named) and deltas older than the current one and the {@link #KEEP_PREVIOUS} before it.
   * Callers hold the output root's run lock, so no other refresh is writing here.
   */
  public List<String> prune() {
    List<String> removed = new ArrayList<>();
    for (String name : files.listNames(dir)) {
      if (name.contains(FileStore.TMP_PREFIX.substring(1))) {
        files.delete(new Path(dir, name));
        removed.add(name);
      }
    }
    Optional<String> current = latest();
    int currentSeq = current.map(RefreshDeltas::sequence).orElse(Integer.MAX_VALUE);
    for (String name : names()) {
      int seq = sequence(name);
      boolean unnamedLeftover = seq > currentSeq || current.isEmpty();
      if (unnamedLeftover || seq < currentSeq - KEEP_PREVIOUS) {
        files.delete(new Path(dir, name));
        removed.add(name);
      }
    }
    return removed;
  }

  private static int sequence(String name) {
    Matcher m = NAME.matcher(name);
    if (!m.matches()) {
      throw new IllegalArgumentException(name);
    }
    return Integer.parseInt(m.group(1));
  }
}
