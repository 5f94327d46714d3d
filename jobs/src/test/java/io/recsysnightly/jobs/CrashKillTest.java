package io.recsysnightly.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.recsysnightly.publish.CrashPoints;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL at named points of publish and nightly, in a real separate JVM: after each kill a reader
 * following LATEST (DuckDB) sees a complete publication, the previous one or the new one, and
 * re-running the same date succeeds and leaves no staging behind.
 */
class CrashKillTest {
  /** Every point of publish, in the order it reaches them. */
  static final List<String> PUBLISH_POINTS = List.of("publish.start", "publish.leftovers-cleaned",
      "publish.wrote-recommendations", "publish.wrote-user_embeddings", "publish.wrote-item_embeddings",
      "publish.wrote-similar_items", "publish.gate-checked", "publish.manifest-tmp", "publish.manifest-written",
      "publish.success-tmp", "publish.success-written", "publish.before-rename", "publish.renamed",
      "publish.latest-tmp", "publish.latest-written", "publish.done");
  /** Points between the steps of nightly. */
  static final List<String> NIGHTLY_POINTS = List.of("nightly.before-build-matrix", "nightly.after-build-matrix",
      "nightly.after-train", "nightly.after-cold-start", "nightly.after-candidates", "nightly.after-rerank",
      "nightly.before-publish");

  @Test
  void aKillAtAnyPointLeavesLatestCompleteAndTheDateCanBeRerun(@TempDir Path dir) throws Exception {
    SmallRun run = new SmallRun(dir);
    run.runOk("nightly", SmallRun.D1);
    for (String step : List.of("build-matrix", "train", "cold-start", "candidates", "rerank")) {
      run.runOk(step, SmallRun.D2);
    }
    assertEquals("dt=" + SmallRun.D1, run.assertLatestComplete());

    List<String> killed = new ArrayList<>();
    for (String point : PUBLISH_POINTS) {
      killAt(run, point, "publish");
      killed.add(point);
      // A re-run of the killed command, in this JVM: takes over the dead run's lock, cleans up, publishes.
      run.runOk("publish", SmallRun.D2);
      assertTrue(run.assertLatestComplete().startsWith("dt=" + SmallRun.D2), "LATEST must name a run of D2");
      assertNoLeftovers(run);
    }
    for (String point : NIGHTLY_POINTS) {
      killAt(run, point, "nightly");
      killed.add(point);
    }
    run.runOk("nightly", SmallRun.D2);
    assertNoLeftovers(run);
    assertTrue(killed.size() >= 20, killed.toString());
    // Every publication that ever got a name is complete: kills never leave a half-moved directory.
    try (Stream<Path> dirs = Files.list(run.out())) {
      for (Path p : dirs.filter(p -> p.getFileName().toString().startsWith("dt=")).toList()) {
        assertTrue(Files.exists(p.resolve("_SUCCESS")) && Files.exists(p.resolve("manifest.json")), p.toString());
      }
    }
  }

  /** Runs {@code command} for D2 in a child JVM, SIGKILLs it at {@code point}, then checks what readers see. */
  private static void killAt(SmallRun run, String point, String command) throws Exception {
    String before = run.latest();
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "@" + SampleRun.REPO.resolve("conf/jvm.options"), "-Xmx1g",
        // A short-lived child on a tiny input: start-up dominates, so C1 only and the serial collector.
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dspark.master=local[1]",
        "-Dspark.ui.enabled=false", "-Dspark.driver.host=127.0.0.1", "-Dspark.driver.bindAddress=127.0.0.1",
        "-Dspark.sql.shuffle.partitions=2", "-cp", System.getProperty("java.class.path"),
        Main.class.getName()));
    cmd.addAll(List.of(run.args(command, SmallRun.D2)));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put(CrashPoints.ENV, point);
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process child = pb.start();
    StringBuilder log = new StringBuilder();
    boolean reached = false;
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        log.append(line).append('\n');
        if (line.startsWith(CrashPoints.MARKER + point + " reached by pid " + child.pid())) {
          reached = true;
          break;
        }
      }
      if (!reached) {
        fail(point + " was never reached; the child exited with " + child.waitFor() + ":\n" + log);
      }
      child.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no finally block runs
      assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child did not die");
    }
    assertEquals(137, child.exitValue(), "killed by SIGKILL at " + point);
    String after = run.assertLatestComplete();
    assertTrue(after.equals(before) || after.startsWith("dt=" + SmallRun.D2),
        "after a kill at " + point + " LATEST is " + after + ", neither the previous " + before + " nor a new run");
    assertTrue(Files.exists(run.out().resolve("_lock")), "the killed run's lock stays behind at " + point);
  }

  private static void assertNoLeftovers(SmallRun run) throws IOException {
    Path staging = run.out().resolve("_staging");
    if (Files.isDirectory(staging)) {
      try (Stream<Path> left = Files.list(staging)) {
        assertEquals(List.of(), left.toList(), "staging left behind");
      }
    }
    try (Stream<Path> left = Files.list(run.out())) {
      assertEquals(List.of(), left.map(p -> p.getFileName().toString())
          .filter(n -> n.contains("_tmp-") || n.equals("_lock")).toList(), "temporary files or the lock left behind");
    }
    assertFalse(Files.exists(run.out().resolve("_refused")), "nothing was refused");
  }
}
