package io.recsysnightly.jobs;

import io.recsysnightly.RecsysException;
import io.recsysnightly.generate.Generate;
import io.recsysnightly.generate.GenerateSpec;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;

/** {@code recsys generate}: writes a synthetic data set in the input schema, deterministic by seed. */
final class GenerateCommand {
  static final String NAME = "generate";
  static final String DESCRIPTION =
      "Write synthetic events, items and users at a given scale (deterministic by seed) to --output DIR.";

  static final List<CommandOption> OPTIONS = List.of(
      CommandOption.value("preset", "NAME", "small (~10^6 events), medium (~10^7) or large (~5x10^7); default small."),
      CommandOption.value("users", "N", "Users (overrides the preset)."),
      CommandOption.value("items", "N", "Items (overrides the preset)."),
      CommandOption.value("events", "N", "Events in total, e.g. 2.5m (overrides the preset)."),
      CommandOption.value("categories", "N", "Item categories = planted taste dimensions (overrides the preset)."),
      CommandOption.value("exponent", "S", "Power-law exponent of item popularity (default "
          + GenerateSpec.DEFAULT_EXPONENT + ")."),
      CommandOption.value("taste-share", "X", "Share of events from a user's favourite categories (default "
          + GenerateSpec.DEFAULT_TASTE_SHARE + ")."),
      CommandOption.value("days", "N", "Length of the time window in days (default " + GenerateSpec.DEFAULT_DAYS
          + ")."),
      CommandOption.value("end-date", "YYYY-MM-DD", "Last day of the window, the run date to use (default "
          + GenerateSpec.DEFAULT_END_DATE + ")."),
      CommandOption.value("seed", "N", "Seed (default " + GenerateSpec.DEFAULT_SEED + ")."),
      CommandOption.value("drift-from", "YYYY-MM-DD", "From this day on, a share of the users follow new favourite "
          + "categories (a known change of taste; default none)."),
      CommandOption.value("drift-share", "X", "Share of users whose tastes change on --drift-from (default 0.5)."),
      CommandOption.value("format", "FMT", "parquet (default) or csv."),
      CommandOption.flag("by-day", "Write the events one folder per day (events.parquet/day=YYYY-MM-DD/), to hand a "
          + "multi-night scenario its input one day at a time."));

  private GenerateCommand() {}

  static void run(CommandContext ctx) {
    OptionValues o = new OptionValues(ctx.options());
    GenerateSpec.Preset preset = o.string("preset").map(GenerateSpec.Preset::parse).orElse(GenerateSpec.Preset.SMALL);
    GenerateSpec spec = GenerateSpec.of(preset);
    // Apply the sizes together, so e.g. --items below the preset's categories is judged with --categories.
    int users = o.integer("users", 1, Integer.MAX_VALUE).orElse(spec.users());
    int items = o.integer("items", 1, Integer.MAX_VALUE).orElse(spec.items());
    long events = o.longValue("events", 1, Long.MAX_VALUE).orElse(spec.events());
    int categories = o.integer("categories", 1, Integer.MAX_VALUE).orElse(Math.min(spec.categories(), items));
    spec = new GenerateSpec(users, items, events, categories,
        o.number("exponent", 0, 5).orElse(spec.exponent()),
        o.number("taste-share", 0, 1).orElse(spec.tasteShare()),
        o.integer("days", 1, 100_000).orElse(spec.days()),
        o.date("end-date").orElse(spec.endDate()),
        o.longValue("seed", Long.MIN_VALUE, Long.MAX_VALUE).orElse(spec.seed()),
        o.date("drift-from").orElse(null), o.number("drift-share", 0, 1).orElse(0.5));
    String format = o.string("format").map(f -> f.trim().toLowerCase(Locale.ROOT)).orElse("parquet");
    if (!format.equals("parquet") && !format.equals("csv")) {
      throw RecsysException.config("Option --format expects parquet or csv but was given '%s'", format);
    }
    boolean custom = ctx.options().extras().keySet().stream()
        .anyMatch(k -> !List.of("preset", "format", "by-day").contains(k));
    String dir = ctx.options().output().orElse("generated/" + preset.label() + (custom ? "-custom" : ""));
    System.out.printf("recsys generate: %s -> %s (%s)%n", spec.toMap(), dir, format);
    System.out.flush();
    Map<String, Object> summary = new Generate(ctx.spark()).write(spec, new Path(dir), format, o.flag("by-day"));
    System.out.printf("recsys generate: wrote %s in %s s; run the pipeline on it with:%n  jobs/bin/recsys nightly "
        + "--conf %s%n", summary.get("rows"), summary.get("seconds"), new Path(dir, "recsys.properties"));
  }
}
