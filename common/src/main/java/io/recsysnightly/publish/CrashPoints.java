package io.recsysnightly.publish;

import java.util.Locale;

/**
 * Named points of publish and nightly where the crash tests kill the process. When the environment
 * variable {@code RECSYS_CRASH_AT} (or the system property {@code recsys.crash-at}) names the point
 * reached, the process prints {@code CRASH POINT <name> reached by pid <pid>} on stderr and blocks
 * for good, so the test can SIGKILL it there; otherwise a point costs one string comparison.
 */
public final class CrashPoints {
  public static final String ENV = "RECSYS_CRASH_AT";
  public static final String PROPERTY = "recsys.crash-at";
  /** The line printed at the point, up to the pid: tests wait for it before killing. */
  public static final String MARKER = "CRASH POINT ";

  private CrashPoints() {}

  public static void reach(String point) {
    String target = System.getProperty(PROPERTY, System.getenv(ENV));
    if (target == null || !target.equals(point)) {
      return;
    }
    System.out.flush();
    System.err.printf(Locale.ROOT, "%s%s reached by pid %d%n", MARKER, point, ProcessHandle.current().pid());
    System.err.flush();
    while (true) {
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        // Only SIGKILL is meant to end this process here.
      }
    }
  }
}
