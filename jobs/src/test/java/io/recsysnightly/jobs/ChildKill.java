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

/**
 * What the kill tests share ({@link CrashKillTest}, {@link CrashKillRefreshTest}: two classes, so that
 * Surefire's two test JVMs run their child JVMs side by side): a command SIGKILLed at a crash point in a
 * child JVM, and the check that a finished re-run left nothing behind.
 */
final class ChildKill {
  private ChildKill() {}

  /** Runs {@code command} in a child JVM and SIGKILLs it at {@code point}; the killed run's lock stays behind. */
  static void killAt(SmallRun run, String point, String command, String date, String... more)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "@" + SampleRun.REPO.resolve("conf/jvm.options"), "-Xmx1g",
        // A short-lived child on a tiny input: start-up dominates, so C1 only (the collector is conf/jvm.options'),
        // the classpath's bytecode not verified, and Spark's expressions interpreted rather than compiled by
        // Janino (a cold JVM compiles slowly, and what a kill tests is the files, not the query engine). A
        // publish of data-samples/ in such a child, start to exit: 19.5 s with C1 only, 15.3 s so (2026-12-07).
        "-XX:TieredStopAtLevel=1", "-XX:+UnlockDiagnosticVMOptions", "-XX:-BytecodeVerificationRemote",
        "-Dspark.sql.codegen.wholeStage=false", "-Dspark.sql.codegen.factoryMode=NO_CODEGEN", "-Dspark.master=local[1]",
        "-Dspark.ui.enabled=false", "-Dspark.driver.host=127.0.0.1", "-Dspark.driver.bindAddress=127.0.0.1",
        "-Dspark.sql.shuffle.partitions=2", "-cp", System.getProperty("java.class.path"),
        Main.class.getName()));
    cmd.addAll(List.of(run.args(command, date, more)));
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
    assertTrue(Files.exists(run.out().resolve("_lock")), "the killed run's lock stays behind at " + point);
  }

  static void assertNoLeftovers(SmallRun run) throws IOException {
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
