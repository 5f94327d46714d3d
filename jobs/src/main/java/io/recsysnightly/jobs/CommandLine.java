package io.recsysnightly.jobs;

import io.recsysnightly.RecsysException;
import io.recsysnightly.spark.ScalaSeqs;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import scala.Option;
import scala.runtime.BoxedUnit;
import scala.util.Either;
import scopt.OEffectSetup;
import scopt.OParser;
import scopt.OParserBuilder;
import scopt.Read;

/** The scopt parser of the options the commands share, one definition parameterised by the command. */
final class CommandLine {
  private CommandLine() {}

  /** What parsing decided: run with these options, or stop now with this exit code. */
  sealed interface Outcome {
    /** The arguments were valid: run the command. */
    record Run(Options options) implements Outcome {}

    /** Help was shown (0) or the arguments were wrong (2); the messages are already printed. */
    record Exit(int code) implements Outcome {}
  }

  /**
   * Parses the arguments after the command name. scopt prints the usage (stdout) or the error and
   * "Try --help" (stderr) itself, through {@link Effects}, which never exits the JVM.
   */
  static Outcome parse(Command command, List<String> args) {
    Effects effects = new Effects();
    Option<Options> parsed = OParser.parse(build(command), ScalaSeqs.seq(args), Options.none(), effects);
    if (parsed.isEmpty()) {
      return new Outcome.Exit(RecsysException.EXIT_USAGE);
    }
    if (effects.helpShown) {
      return new Outcome.Exit(0);
    }
    return new Outcome.Run(parsed.get());
  }

  private static OParser<?, Options> build(Command command) {
    OParserBuilder<Options> b = OParser.builder();
    List<OParser<?, Options>> options = new ArrayList<>(List.of(
        b.note(command.description() + "\n"),
        b.opt("date", Read.stringRead()).valueName("YYYY-MM-DD")
            .validate(s -> isDate(s) ? b.success() : b.failure("Option --date expects a date YYYY-MM-DD but was "
                + "given '" + s + "'"))
            .action((s, o) -> o.withDate(LocalDate.parse(s)))
            .text("Run date (UTC); overrides recsys.run.date."),
        b.opt("conf", Read.stringRead()).valueName("FILE")
            .action((s, o) -> o.withConf(Path.of(s)))
            .text("Properties file of recsys.* keys (default: " + Options.DEFAULT_CONF + " here if present, else the "
                + "installation's); relative folders in it are relative to its own folder."),
        b.opt("set", Read.stringRead()).unbounded().valueName("key=value")
            .action((s, o) -> o.withSet(s))
            .text("Overrides one configuration key; repeatable, applied after --conf."),
        b.opt("input", Read.stringRead()).valueName("DIR")
            .action((s, o) -> o.withInput(s))
            .text("Input folder (recsys.input.root); relative to the working directory, as every path given here."),
        b.opt("output", Read.stringRead()).valueName("DIR")
            .action((s, o) -> o.withOutput(s))
            .text("Publication folder (recsys.output.root)."),
        b.opt("work", Read.stringRead()).valueName("DIR")
            .action((s, o) -> o.withWork(s))
            .text("Working folder of the steps (recsys.work.root)."),
        b.opt(Options.PROFILE, Read.unitRead())
            .action((unit, o) -> o.withExtra(Options.PROFILE, ""))
            .text("Writes Spark's event log and a table of every stage's cost (tasks, time, input, shuffle, "
                + "spill, GC) to <work>/dt=D/profile/: where a slow night went.")));
    for (CommandOption extra : command.options()) {
      options.add(extra.isFlag()
          ? b.opt(extra.name(), Read.unitRead()).action((unit, o) -> o.withExtra(extra.name(), "")).text(extra.text())
          : b.opt(extra.name(), Read.stringRead()).valueName(extra.valueName())
              .action((v, o) -> o.withExtra(extra.name(), v)).text(extra.text()));
    }
    options.add(b.help("help").text("Prints this usage text."));
    return OParser.sequence(b.programName(Main.PROGRAM + " " + command.name()), ScalaSeqs.seq(options));
  }

  private static boolean isDate(String text) {
    try {
      LocalDate.parse(text);
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  /** scopt's effects, printed here and recorded instead of letting scopt exit the JVM. */
  private static final class Effects implements OEffectSetup {
    private boolean helpShown;

    @Override
    public void displayToOut(String msg) {
      System.out.println(msg);
    }

    @Override
    public void displayToErr(String msg) {
      System.err.println(msg);
    }

    @Override
    public void reportError(String msg) {
      System.err.println("error: " + msg);
    }

    @Override
    public void reportWarning(String msg) {
      System.err.println("warning: " + msg);
    }

    /** scopt's request to exit: after --help (Right) it would exit 0; errors already made parse fail. */
    @Override
    public void terminate(Either<String, BoxedUnit> exitState) {
      helpShown |= exitState.isRight();
    }
  }
}
