package io.recsysnightly.jobs;

import io.recsysnightly.RecsysException;
import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.io.RunPaths;
import io.recsysnightly.spark.SparkSessions;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;

/**
 * Entry point of the jar, {@code recsys <command> [options]}: picks the command, parses its options,
 * loads the configuration, and only then starts Spark; every outcome becomes an exit code.
 */
public final class Main {
  /** The program name shown in usage texts (jobs/bin/recsys locally, the jar under spark-submit). */
  static final String PROGRAM = "recsys";
  private static final Set<String> HELP = Set.of("help", "--help", "-h");

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command in a Spark session of its own, stopped when the command ends: the jar's case. */
  public static int run(String[] args) {
    return run(args, command -> SparkSessions.create("recsys-nightly " + command), true);
  }

  /**
   * Runs a command in the session {@code sessions} supplies and leaves it running, as the caller owns
   * it (tests share one session). The supplier is only called once arguments and configuration are valid.
   */
  public static int run(String[] args, Supplier<SparkSession> sessions) {
    return run(args, command -> sessions.get(), false);
  }

  private static int run(String[] args, Function<String, SparkSession> sessions, boolean stopSession) {
    if (args.length == 0) {
      System.err.print(Commands.usage());
      return RecsysException.EXIT_USAGE;
    }
    List<String> rest = Arrays.asList(args).subList(1, args.length);
    if (HELP.contains(args[0])) {
      return rest.isEmpty() || HELP.contains(rest.get(0)) ? help()
          : run(new String[] {rest.get(0), "--help"}, sessions, stopSession);
    }
    Optional<Command> command = Commands.find(args[0]);
    if (command.isEmpty()) {
      System.err.printf("error: unknown command '%s'%n%n%s", args[0], Commands.usage());
      return RecsysException.EXIT_USAGE;
    }
    try {
      return launch(command.get(), rest, sessions, stopSession);
    } catch (Throwable t) {
      return Failures.exitCode(t);
    }
  }

  private static int help() {
    System.out.print(Commands.usage());
    return 0;
  }

  private static int launch(Command command, List<String> args, Function<String, SparkSession> sessions,
      boolean stopSession) {
    CommandLine.Outcome outcome = CommandLine.parse(command, args);
    if (outcome instanceof CommandLine.Outcome.Exit exit) {
      return exit.code();
    }
    Options options = ((CommandLine.Outcome.Run) outcome).options();
    Optional<Path> configFile = options.configFile();
    PipelineConfig config = PipelineConfig.load(configFile, options.overrides());
    if (command.needsDate()) {
      printHeader(command, config, config.runDate(), configFile);
    }
    Optional<Profiling> profiling = Profiling.before(command, options, config);
    SparkSession spark = sessions.apply(command.name());
    profiling.ifPresent(p -> p.started(spark));
    try {
      command.runner().run(new CommandContext(spark, config, options));
      return 0;
    } finally {
      profiling.ifPresent(p -> p.finished(spark));
      if (stopSession) {
        spark.stop();
      }
    }
  }

  private static void printHeader(Command command, PipelineConfig config, LocalDate date,
      Optional<Path> configFile) {
    RunPaths paths = new RunPaths(config, date);
    System.out.printf("%s %s: run date %s, config %s, input %s, output %s, work %s%n", PROGRAM, command.name(),
        date, configFile.map(f -> f.toAbsolutePath().normalize().toString()).orElse("(defaults only)"),
        config.get(ConfigKeys.INPUT_ROOT), paths.outputRoot(), paths.workRoot());
    System.out.flush();
  }
}
