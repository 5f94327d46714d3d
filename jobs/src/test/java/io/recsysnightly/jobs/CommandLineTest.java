package io.recsysnightly.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The command line without Spark: help, usage errors and configuration errors, and their exit codes. */
class CommandLineTest {
  private static final String SESSION_REFUSED = "this test must not start Spark";
  /** Any test that reaches the session fails with exit 1 and this message, unless it expects to. */
  private static final Supplier<SparkSession> NO_SPARK = () -> {
    throw new IllegalStateException(SESSION_REFUSED);
  };

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream originalOut;
  private PrintStream originalErr;

  @TempDir
  Path tmp;

  @BeforeEach
  void captureOutput() {
    originalOut = System.out;
    originalErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreOutput() {
    System.setOut(originalOut);
    System.setErr(originalErr);
  }

  private int run(String... args) {
    return Main.run(args, NO_SPARK);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private Path conf(String text) throws IOException {
    return Files.writeString(tmp.resolve("test.properties"), text);
  }

  @ParameterizedTest
  @ValueSource(strings = {"--help", "help", "-h"})
  void helpListsEveryCommandWithItsDescription(String help) {
    assertEquals(0, Main.run(new String[] {help}));
    for (Command c : Commands.ALL) {
      assertTrue(out().contains(c.name()) && out().contains(c.description()), c.name() + " missing:\n" + out());
    }
    assertEquals(List.of("build-matrix", "train", "cold-start", "candidates", "rerank", "publish", "evaluate", "tune",
        "nightly", "refresh", "status", "rollback", "prune", "generate", "bench"),
        Commands.ALL.stream().map(Command::name).toList());
  }

  @Test
  void noCommandPrintsTheUsageAndExits2() {
    assertEquals(2, Main.run(new String[0]));
    assertTrue(err().contains("Usage: recsys <command> [options]"), err());
    assertTrue(err().contains("nightly"), err());
  }

  @Test
  void unknownCommandIsNamedAndTheCommandsListed() {
    assertEquals(2, run("bogus", "--date", "2018-09-25"));
    assertTrue(err().contains("unknown command 'bogus'"), err());
    assertTrue(err().contains("build-matrix"), err());
  }

  @ParameterizedTest
  @ValueSource(strings = {"build-matrix", "train", "cold-start", "candidates", "rerank", "publish", "nightly",
      "refresh", "status", "rollback", "prune", "evaluate", "tune", "generate", "bench"})
  void everyCommandPrintsItsUsage(String command) {
    assertEquals(0, Main.run(new String[] {command, "--help"}));
    String usage = out();
    assertTrue(usage.contains("Usage: recsys " + command + " [options]"), usage);
    assertTrue(usage.contains(Commands.find(command).orElseThrow().description()), usage);
    for (String option : new String[] {"--date", "--conf", "--set", "--input", "--output", "--work", "--help"}) {
      assertTrue(usage.contains(option), option + " missing:\n" + usage);
    }
    assertEquals(command.equals("publish") || command.equals("nightly"), usage.contains("--force"), usage);
    assertEquals(command.equals("rollback"), usage.contains("--to"), usage);
    assertEquals(command.equals("refresh"), usage.contains("--as-of"), usage);
    assertEquals(command.equals("prune"), usage.contains("--dry-run"), usage);
    assertEquals(command.equals("evaluate") || command.equals("tune"), usage.contains("--movielens"), usage);
    assertEquals("", err());
  }

  @Test
  void helpCommandShowsTheUsageOfTheNamedCommand() {
    assertEquals(0, run("help", "train"));
    assertTrue(out().contains("Usage: recsys train [options]"), out());
    assertEquals(0, run("help", "help"));
    assertTrue(out().contains("Usage: recsys <command> [options]"), out());
  }

  @Test
  void badDateIsAUsageError() {
    assertEquals(2, run("train", "--date", "notadate"));
    assertTrue(err().contains("--date expects a date YYYY-MM-DD but was given 'notadate'"), err());
    assertTrue(err().contains("Try --help"), err());
  }

  @ParameterizedTest
  @ValueSource(strings = {"--bogus", "--force"})
  void unknownOptionIsAUsageError(String option) {
    assertEquals(2, run("train", "--date", "2018-09-25", option));
    assertTrue(err().contains("Unknown option " + option), err());
  }

  @Test
  void forceIsAcceptedByPublishAndNightly() {
    for (String command : new String[] {"publish", "nightly"}) {
      assertEquals(1, run(command, "--date", "2018-09-25", "--force"));
      assertTrue(err().contains(SESSION_REFUSED), err());
    }
  }

  @Test
  void unknownConfigurationKeyIsNamed() {
    assertEquals(2, run("train", "--date", "2018-09-25", "--set", "recsys.nope=1"));
    assertTrue(err().contains("error: Unknown configuration key 'recsys.nope'"), err());
  }

  @Test
  void badValueNamesKeyValueAndAllowedRange() {
    assertEquals(2, run("train", "--date", "2018-09-25", "--set", "recsys.als.rank=-3"));
    assertTrue(err().contains("recsys.als.rank") && err().contains("'-3'") && err().contains("from 1 to 4096"),
        err());
  }

  @Test
  void missingConfigurationFileIsNamed() {
    Path missing = tmp.resolve("missing.properties");
    assertEquals(2, run("train", "--date", "2018-09-25", "--conf", missing.toString()));
    assertTrue(err().contains(missing.toString()) && err().contains("does not exist"), err());
  }

  @Test
  void missingRunDateIsAUsageError() throws IOException {
    assertEquals(2, run("train", "--conf", conf("recsys.als.rank=8\n").toString()));
    assertTrue(err().contains("No run date") && err().contains("--date"), err());
  }

  @Test
  void optionsOverrideTheConfigurationFileAndSetThenReachTheSession() throws IOException {
    Path file = conf("recsys.run.date=2000-01-01\nrecsys.input.root=from-file\n");
    int code = run("build-matrix", "--conf", file.toString(), "--set", "recsys.run.date=1999-01-01",
        "--date", "2018-09-25", "--input", "in", "--output", "pub");
    assertEquals(1, code);
    String header = out().lines().findFirst().orElse("");
    assertTrue(header.startsWith("recsys build-matrix: run date 2018-09-25, config " + file), header);
    // Folders given on the command line are the working directory's (here the module's).
    Path cwd = Path.of("").toAbsolutePath();
    assertTrue(header.endsWith("input " + cwd.resolve("in") + ", output " + cwd.resolve("pub") + ", work "
        + cwd.resolve("pub/_work")), header);
    assertTrue(err().contains("error: java.lang.IllegalStateException: " + SESSION_REFUSED), err());
    assertTrue(err().contains("the last published output is untouched"), err());
  }

  @Test
  void setAloneChangesTheConfiguration() throws IOException {
    assertEquals(1, run("train", "--conf", conf("").toString(), "--set", "recsys.run.date=2018-09-25",
        "--set", "recsys.work.root=w"));
    assertTrue(out().contains("run date 2018-09-25") && out().contains("work " + Path.of("w").toAbsolutePath()), out());
    assertFalse(out().contains("(defaults only)"), out());
  }
}
