package io.recsysnightly.jobs;

import io.recsysnightly.RecsysException;
import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.publish.Retention;
import io.recsysnightly.publish.Rollback;
import io.recsysnightly.publish.RunLock;
import io.recsysnightly.publish.Status;
import io.recsysnightly.report.StepReport;
import io.recsysnightly.report.Summary;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The registry of commands: one per step, the quality tools, then {@code nightly}, the operations and the tools. */
final class Commands {
  static final List<Command> ALL = build();

  private Commands() {}

  static Optional<Command> find(String name) {
    return ALL.stream().filter(c -> c.name().equals(name)).findFirst();
  }

  /**
   * Runs {@code runner} holding the output root's lock, so a second run on the same root refuses
   * (exit 5) instead of interleaving its writes; the lock is released when the command ends.
   */
  private static CommandRunner locked(String name, CommandRunner runner) {
    return ctx -> {
      try (RunLock lock = ctx.lock(name)) {
        runner.run(ctx);
      }
    };
  }

  private static void print(StepReport report) {
    System.out.print(Summary.render(report));
    System.out.flush();
  }

  /** The top-level usage: how to call the program and every command with its description. */
  static String usage() {
    StringBuilder sb = new StringBuilder();
    sb.append("Usage: ").append(Main.PROGRAM).append(" <command> [options]\n\nCommands:\n");
    for (Command c : ALL) {
      sb.append(String.format(Locale.ROOT, "  %-13s %s%n", c.name(), c.description()));
    }
    sb.append("\nRun '").append(Main.PROGRAM).append(" <command> --help' for the options of a command.\n");
    return sb.toString();
  }

  private static List<Command> build() {
    List<Command> all = new ArrayList<>();
    for (Step step : Step.values()) {
      all.add(new Command(step.command(), step.description(), step.options(), true,
          locked(step.command(), ctx -> step.run(ctx.run(), ctx.flag("force")))));
    }
    all.add(QualityCommands.evaluate());
    all.add(QualityCommands.tune());
    all.add(new Command("nightly", "Run the six steps in order in one Spark session, publish last.",
        List.of(CommandOption.FORCE), true, locked("nightly", ctx -> NightlyRunner.run(ctx.run(), ctx.flag("force")))));
    all.add(new Command(RefreshCommand.NAME, RefreshCommand.DESCRIPTION, RefreshCommand.OPTIONS, false,
        locked(RefreshCommand.NAME, RefreshCommand::run)));
    all.add(new Command("status", "List the publications (date, model version, metrics, gate), which is LATEST, "
        + "and the last nights' figures (holdout and forward NDCG, input volume, model drift) as a table.",
        List.of(), false, ctx -> print(new Status(ctx.files(), ctx.outputRoot(),
            ctx.config().get(ConfigKeys.REPORT_HISTORY_NIGHTS)).execute())));
    all.add(new Command("rollback", "Point LATEST back at an earlier complete publication (--to DATE or dt=...).",
        List.of(CommandOption.value("to", "DATE", "The date (its newest complete publication) or the directory name "
            + "(dt=D or dt=D_N) LATEST should point at.")), false,
        locked("rollback", ctx -> print(new Rollback(ctx.files(), ctx.outputRoot(), ctx.options().extra("to")
            .orElseThrow(() -> RecsysException.config("rollback needs --to DATE (or --to dt=...): the publication "
                + "LATEST should point at. `status` lists them."))).execute()))));
    all.add(new Command(Retention.STEP, "Remove publications older than the newest recsys.retention.keep-publications, "
        + "with their deltas, work directories and id-map versions.", List.of(CommandOption.flag("dry-run",
            "List what would be removed; remove nothing.")), false,
        locked(Retention.STEP, ctx -> print(new Retention(ctx.files(), ctx.config(), ctx.flag("dry-run")).execute()))));
    all.add(new Command(GenerateCommand.NAME, GenerateCommand.DESCRIPTION, GenerateCommand.OPTIONS, false,
        GenerateCommand::run));
    all.add(new Command(BenchCommand.NAME, BenchCommand.DESCRIPTION, BenchCommand.OPTIONS, false, BenchCommand::run));
    return List.copyOf(all);
  }
}
