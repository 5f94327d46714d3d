package io.recsysnightly.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * File operations on any Hadoop file system (local, HDFS, object stores), with the two moves the
 * pipeline's atomicity rests on: a directory swap and a file replace.
 */
public final class FileStore {
  /** Prefix of the hidden files {@link #writeTextAtomically} renames into place (leftovers of a killed run). */
  public static final String TMP_PREFIX = "._tmp-";

  private final Configuration conf;

  public FileStore(Configuration conf) {
    this.conf = conf;
  }

  public FileSystem fs(Path path) {
    try {
      return path.getFileSystem(conf);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public boolean exists(Path path) {
    try {
      return fs(path).exists(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public boolean isFile(Path path) {
    try {
      return fs(path).isFile(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void delete(Path path) {
    try {
      fs(path).delete(path, true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes the directory {@code dir} if it exists and holds nothing. */
  public void deleteIfEmpty(Path dir) {
    if (exists(dir) && listNames(dir).isEmpty()) {
      delete(dir);
    }
  }

  public void mkdirs(Path path) {
    try {
      fs(path).mkdirs(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Names of the direct children of {@code dir} (empty when it does not exist). */
  public List<String> listNames(Path dir) {
    List<String> names = new ArrayList<>();
    try {
      if (!fs(dir).exists(dir)) {
        return names;
      }
      for (FileStatus status : fs(dir).listStatus(dir)) {
        names.add(status.getPath().getName());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    names.sort(null);
    return names;
  }

  public String readText(Path path) {
    try (InputStream in = fs(path).open(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The first bytes of a file (fewer if it is shorter). */
  public byte[] head(Path path, int n) {
    try (InputStream in = fs(path).open(path)) {
      return in.readNBytes(n);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes {@code text} to a hidden sibling, then renames it over {@code path} in one step
   * (FileContext's rename with OVERWRITE is atomic on POSIX and HDFS), so readers see the old
   * file or the new one, never a partial one.
   */
  public void writeTextAtomically(Path path, String text) {
    writeTextAtomically(path, text, () -> {});
  }

  /** As {@link #writeTextAtomically(Path, String)}, running {@code beforeRename} between the write and the rename. */
  public void writeTextAtomically(Path path, String text, Runnable beforeRename) {
    Path tmp = new Path(path.getParent(), TMP_PREFIX + path.getName() + "-" + UUID.randomUUID());
    try {
      try (OutputStream out = fs(tmp).create(tmp, true)) {
        out.write(text.getBytes(StandardCharsets.UTF_8));
      }
      beforeRename.run();
      FileContext.getFileContext(path.toUri(), conf).rename(tmp, path, Options.Rename.OVERWRITE);
    } catch (IOException e) {
      delete(tmp);
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Moves the finished directory {@code src} to {@code dst}, replacing what was there. Hadoop's
   * rename onto an existing directory nests instead of replacing, so the old one is moved aside
   * first and deleted after.
   */
  public void swapDirectory(Path src, Path dst) {
    try {
      FileSystem fs = fs(dst);
      fs.mkdirs(dst.getParent());
      Path old = null;
      if (fs.exists(dst)) {
        old = new Path(dst.getParent(), "_old-" + dst.getName() + "-" + UUID.randomUUID());
        rename(fs, dst, old);
      }
      rename(fs, src, dst);
      if (old != null) {
        fs.delete(old, true);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Creates {@code path} holding {@code text} only if nothing is there yet; false if something is.
   * The file appears with its whole content or not at all: the text is written to a hidden file next
   * to it, which is then hard-linked (local file system: {@code link(2)} fails if the name exists) or
   * renamed without overwrite (HDFS: atomic) into place, so a reader never sees it empty or partial.
   */
  public boolean createExclusively(Path path, String text) {
    Path tmp = new Path(path.getParent(), TMP_PREFIX + path.getName() + "-" + UUID.randomUUID());
    try {
      FileSystem fs = fs(path);
      fs.mkdirs(path.getParent());
      try (OutputStream out = fs.create(tmp, false)) {
        out.write(text.getBytes(StandardCharsets.UTF_8));
      }
      if ("file".equals(fs.getUri().getScheme())) {
        try {
          java.nio.file.Files.createLink(local(fs, path), local(fs, tmp));
          return true;
        } catch (java.nio.file.FileAlreadyExistsException e) {
          return false;
        } finally {
          fs.delete(tmp, false);
        }
      }
      try {
        FileContext.getFileContext(path.toUri(), conf).rename(tmp, path, Options.Rename.NONE);
        return true;
      } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
        fs.delete(tmp, false);
        return false;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static java.nio.file.Path local(FileSystem fs, Path path) {
    return java.nio.file.Path.of(fs.makeQualified(path).toUri());
  }

  /** Renames {@code src} to {@code dst}, which must not exist (a directory would be nested into it). */
  public void renameNew(Path src, Path dst) {
    try {
      FileSystem fs = fs(dst);
      if (fs.exists(dst)) {
        throw new IOException("Will not rename " + src + " onto the existing " + dst);
      }
      rename(fs, src, dst);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Renames {@code src} to {@code dst} if {@code src} still exists; false if it was gone. */
  public boolean renameIfPresent(Path src, Path dst) {
    try {
      FileSystem fs = fs(dst);
      return fs.exists(src) && !fs.exists(dst) && fs.rename(src, dst);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void rename(FileSystem fs, Path src, Path dst) throws IOException {
    if (!fs.rename(src, dst)) {
      throw new IOException("Could not rename " + src + " to " + dst);
    }
  }
}
