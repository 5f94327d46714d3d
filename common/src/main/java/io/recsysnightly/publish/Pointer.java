package io.recsysnightly.publish;

import io.recsysnightly.io.FileStore;
import java.util.Optional;
import org.apache.hadoop.fs.Path;

/**
 * A {@code LATEST} file: it holds the name of the current directory beside it, and is only ever
 * replaced whole, in one atomic rename, after that directory is complete. Publications and refresh
 * deltas both follow this rule.
 */
final class Pointer {
  private final FileStore files;
  private final Path file;

  Pointer(FileStore files, Path file) {
    this.files = files;
    this.file = file;
  }

  Path file() {
    return file;
  }

  /** The name the pointer holds; empty before it is first written. */
  Optional<String> read() {
    if (!files.exists(file)) {
      return Optional.empty();
    }
    String name = files.readText(file).strip();
    return name.isEmpty() ? Optional.empty() : Optional.of(name);
  }

  /** Names {@code name}, in one atomic file replace; {@code beforeRename} runs just before it (crash tests). */
  void write(String name, Runnable beforeRename) {
    files.writeTextAtomically(file, name + "\n", beforeRename);
  }

  /** Complete means both markers written last are there: {@code _SUCCESS} and the manifest. */
  static boolean isComplete(FileStore files, Path dir) {
    return files.exists(new Path(dir, "_SUCCESS")) && files.exists(new Path(dir, "manifest.json"));
  }
}
