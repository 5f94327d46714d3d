package io.recsysnightly.publish;

import io.recsysnightly.RecsysException;
import io.recsysnightly.io.FileStore;
import io.recsysnightly.report.StepReport;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.fs.Path;

/**
 * The lock that keeps two runs from writing one output root at once: the file {@code <root>/_lock},
 * created exclusively, holding its owner (host, pid), what it runs and when it started. A lock whose
 * owner is a dead process on this host, or that is older than the configured maximum age, is stale
 * and taken over; closing the lock (or the JVM exiting) removes it.
 */
public final class RunLock implements AutoCloseable {
  public static final String FILE = "_lock";

  private final FileStore files;
  private final Path path;
  private final String content;
  private final Thread releaseOnExit;
  private final Optional<String> tookOverFrom;

  private RunLock(FileStore files, Path path, String content, Optional<String> tookOverFrom) {
    this.files = files;
    this.path = path;
    this.content = content;
    this.tookOverFrom = tookOverFrom;
    this.releaseOnExit = new Thread(this::release, "recsys-lock-release");
    Runtime.getRuntime().addShutdownHook(releaseOnExit);
  }

  /**
   * Takes the lock of {@code root} for {@code what} (e.g. "nightly 2018-09-25"), or fails with exit
   * code {@link RecsysException#EXIT_LOCKED} naming the owner when a live run holds it.
   */
  public static RunLock acquire(FileStore files, Path root, String what, Duration maxAge) {
    Path path = new Path(root, FILE);
    String content = describeOwner(what);
    if (files.createExclusively(path, content)) {
      return new RunLock(files, path, content, Optional.empty());
    }
    String held = readOrEmpty(files, path);
    Optional<String> staleBecause = staleBecause(held, maxAge);
    if (staleBecause.isEmpty()) {
      throw new RecsysException(RecsysException.EXIT_LOCKED, "Another run holds the lock " + path + ": "
          + held.replaceAll("\\s+", " ").strip() + ". Nothing was changed. Wait for it to finish (`status` shows "
          + "the lock); if its process is gone from another host, delete " + path + " by hand, or it is taken over "
          + "once older than recsys.lock.max-age-hours.");
    }
    // Take over: move the stale lock aside (only one of two racing takers can move it), check that
    // what was moved is the lock judged stale and not a fresh one, then create ours.
    Path aside = new Path(root, FILE + ".stale-" + UUID.randomUUID());
    if (!files.renameIfPresent(path, aside) || !readOrEmpty(files, aside).equals(held)) {
      files.renameIfPresent(aside, path);
      throw new RecsysException(RecsysException.EXIT_LOCKED, "The lock " + path + " changed hands while this run "
          + "was taking over a stale lock: another run started at the same moment. Nothing was changed.");
    }
    files.delete(aside);
    if (!files.createExclusively(path, content)) {
      throw new RecsysException(RecsysException.EXIT_LOCKED, "Another run took the lock " + path + " at the same "
          + "moment as this one: " + readOrEmpty(files, path) + ". Nothing was changed.");
    }
    System.err.println("warning: took over the stale lock " + path + " (" + staleBecause.get() + "): "
        + held.replaceAll("\\s+", " ").strip());
    return new RunLock(files, path, content, Optional.of(staleBecause.get()));
  }

  /** Why the lock was taken over from a previous owner, if it was. */
  public Optional<String> tookOverFrom() {
    return tookOverFrom;
  }

  /** The lock file's content (owner, start), or empty when nobody holds the lock. */
  public static Optional<String> holder(FileStore files, Path root) {
    Path path = new Path(root, FILE);
    return files.exists(path) ? Optional.of(readOrEmpty(files, path)) : Optional.empty();
  }

  @Override
  public void close() {
    release();
    try {
      Runtime.getRuntime().removeShutdownHook(releaseOnExit);
    } catch (IllegalStateException e) {
      // The JVM is already exiting: the hook runs release itself.
    }
  }

  /** Removes the lock file if it is still ours. */
  private synchronized void release() {
    if (files.exists(path) && readOrEmpty(files, path).equals(content)) {
      files.delete(path);
    }
  }

  @SuppressWarnings("unchecked")
  static Optional<String> staleBecause(String held, Duration maxAge) {
    Map<String, Object> owner;
    try {
      owner = StepReport.parseJson(held);
    } catch (RuntimeException e) {
      return Optional.of("unreadable lock file");
    }
    Object startedAt = owner.get("started_at");
    Object pid = owner.get("pid");
    if (!(startedAt instanceof String started) || !(pid instanceof Number number)) {
      return Optional.of("lock file without owner or start time");
    }
    Duration age = Duration.between(Instant.parse(started), Instant.now());
    if (age.compareTo(maxAge) > 0) {
      return Optional.of("older than " + maxAge.toMinutes() + " minutes");
    }
    if (hostName().equals(owner.get("host"))
        && ProcessHandle.of(number.longValue()).map(ProcessHandle::isAlive).orElse(false) == false) {
      return Optional.of("its process " + number.longValue() + " on this host is gone");
    }
    return Optional.empty();
  }

  private static String describeOwner(String what) {
    Map<String, Object> owner = new LinkedHashMap<>();
    owner.put("host", hostName());
    owner.put("pid", ProcessHandle.current().pid());
    owner.put("started_at", Instant.now().toString());
    owner.put("run", what);
    owner.put("token", UUID.randomUUID().toString());
    return StepReport.toJson(owner);
  }

  private static String readOrEmpty(FileStore files, Path path) {
    try {
      return files.readText(path);
    } catch (RuntimeException e) {
      return "";
    }
  }

  static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return Optional.ofNullable(System.getenv("HOSTNAME")).orElse("unknown-host");
    }
  }
}
