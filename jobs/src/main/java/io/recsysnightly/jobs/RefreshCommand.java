package io.recsysnightly.jobs;

import io.recsysnightly.refresh.Refresh;
import io.recsysnightly.report.Summary;
import java.time.Instant;
import java.util.List;

/** {@code recsys refresh}: the intraday delta for users active since the publication LATEST names. */
final class RefreshCommand {
  static final String NAME = "refresh";
  static final String DESCRIPTION =
      "Intraday: fold in users active since the LATEST publication, re-list them, publish an atomic delta.";
  static final List<CommandOption> OPTIONS = List.of(CommandOption.value("as-of", "TIME",
      "Events before this UTC time count (2024-03-02T12:00:00Z, '2024-03-02 12:00' or a date); default now."));

  private RefreshCommand() {}

  static void run(CommandContext ctx) {
    Instant asOf = new OptionValues(ctx.options()).instant("as-of").orElseGet(Instant::now);
    System.out.print(Summary.render(new Refresh(ctx.spark(), ctx.config(), asOf).execute()));
    System.out.flush();
  }
}
