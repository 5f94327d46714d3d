package io.recsysnightly.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The registry of commands: one per step, then {@code nightly}, then the tools, in the order they are listed. */
final class Commands {
  static final List<Command> ALL = build();

  private Commands() {}

  static Optional<Command> find(String name) {
    return ALL.stream().filter(c -> c.name().equals(name)).findFirst();
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
          ctx -> step.run(ctx.run(), ctx.flag("force"))));
    }
    all.add(new Command("nightly", "Run the five steps in order in one Spark session, publish last.",
        List.of(CommandOption.FORCE), true, ctx -> NightlyRunner.run(ctx.run(), ctx.flag("force"))));
    all.add(new Command(GenerateCommand.NAME, GenerateCommand.DESCRIPTION, GenerateCommand.OPTIONS, false,
        GenerateCommand::run));
    all.add(new Command(BenchCommand.NAME, BenchCommand.DESCRIPTION, BenchCommand.OPTIONS, false, BenchCommand::run));
    return List.copyOf(all);
  }
}
