package io.recsysnightly.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher {@code jobs/bin/recsys} as a user calls it, from a working directory outside the
 * repository (an integration test: it needs the packaged jar, so it runs in {@code verify}). Paths on
 * the command line mean the caller's folders, relative folders in a --conf file mean that file's
 * folder, and without --conf the repository's conf/recsys.properties is found from anywhere.
 */
class LauncherIT {
  private static final Path LAUNCHER = SampleRun.REPO.resolve("jobs/bin/recsys");

  @Test
  void commandLinePathsAreTheCallersAndTheDefaultConfIsFoundFromAnywhere(@TempDir Path cwd) throws Exception {
    new SmallRun(cwd); // writes cwd/in
    List<String> args = new ArrayList<>(List.of("build-matrix", "--input", "in", "--output", "relout", "--date",
        SmallRun.D1, "--profile"));
    SmallRun.SETTINGS.forEach(s -> args.addAll(List.of("--set", s)));
    String log = launch(cwd, args);
    assertTrue(log.contains("config " + SampleRun.REPO.resolve("conf/recsys.properties")), log);
    assertTrue(log.contains("input " + cwd.resolve("in")), log);
    assertMatrixBuilt(cwd.resolve("relout"));
    // --profile in a session of its own: the stage table and Spark's event log, closed when the session stopped.
    Path profile = cwd.resolve("relout/_work/dt=" + SmallRun.D1 + "/profile");
    assertTrue(Files.isRegularFile(profile.resolve("stages.txt")), log);
    try (var files = Files.list(profile)) {
      List<String> names = files.map(p -> p.getFileName().toString()).toList();
      assertTrue(names.stream().anyMatch(n -> n.contains("local-")), "no event log in " + names);
    }
    assertFalse(Files.exists(SampleRun.REPO.resolve("relout")), "nothing is written into the repository");
    assertFalse(Files.exists(SampleRun.REPO.resolve("jobs/relout")), "nothing is written into the repository");
  }

  @Test
  void foldersInAConfFileAreRelativeToThatFile(@TempDir Path cwd) throws Exception {
    Path conf = cwd.resolve("nights/conf/night.properties");
    Files.createDirectories(conf.getParent());
    Files.writeString(conf, "recsys.input.root=../../in\nrecsys.output.root=../pubs\n");
    // status reads only the configuration and the output root: the cheapest command that shows where it points.
    String log = launch(cwd, List.of("status", "--conf", "nights/conf/night.properties"));
    assertTrue(log.matches("(?s).*output root +" + Pattern.quote(cwd.resolve("nights/pubs").toString()) + "\n.*"),
        log);
  }

  private static void assertMatrixBuilt(Path outputRoot) throws IOException {
    Path matrix = outputRoot.resolve("_work/dt=" + SmallRun.D1 + "/matrix");
    assertTrue(Files.isDirectory(matrix), matrix + " was not written");
    try (var files = Files.list(matrix)) {
      assertTrue(files.findAny().isPresent(), matrix + " is empty");
    }
  }

  /** Runs the launcher in {@code cwd}; its output, after asserting it exited 0. */
  private static String launch(Path cwd, List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(LAUNCHER.toString()));
    cmd.addAll(args);
    Path log = Files.createTempFile(cwd, "launcher-", ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().put("RECSYS_DRIVER_MEMORY", "1g");
    Process p = pb.start();
    assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the launcher did not finish in 180 s");
    String text = Files.readString(log, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), text);
    return text;
  }
}
