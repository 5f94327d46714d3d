package io.recsysnightly.jobs;

import io.recsysnightly.io.RunContext;
import io.recsysnightly.publish.CrashPoints;
import io.recsysnightly.publish.Publications;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;

/** Runs every step in order in one session, then prints how long each took and where the result is. */
final class NightlyRunner {
  private NightlyRunner() {}

  static void run(RunContext ctx, boolean force) {
    Map<String, Double> seconds = new LinkedHashMap<>();
    long start = System.nanoTime();
    for (Step step : Step.values()) {
      CrashPoints.reach("nightly.before-" + step.command());
      seconds.put(step.command(), step.run(ctx, force));
      CrashPoints.reach("nightly.after-" + step.command());
    }
    System.out.print(render(ctx, seconds, (System.nanoTime() - start) / 1e9));
  }

  private static String render(RunContext ctx, Map<String, Double> seconds, double total) {
    StringBuilder sb = new StringBuilder();
    String title = String.format(Locale.ROOT, "== nightly %s done in %.1f s ", ctx.paths().date(), total);
    sb.append(title).append("=".repeat(Math.max(0, 72 - title.length()))).append('\n');
    sb.append("  steps\n");
    seconds.forEach((step, s) -> sb.append(String.format(Locale.ROOT, "    %-42s %.1f s%n", step, s)));
    sb.append("  output\n");
    Publications publications = new Publications(ctx.files(), ctx.paths().outputRoot());
    sb.append(String.format(Locale.ROOT, "    %-42s %s%n", "publication",
        publications.latest().map(name -> new Path(ctx.paths().outputRoot(), name)).orElse(ctx.paths().publication())));
    sb.append(String.format(Locale.ROOT, "    %-42s %s%n", "LATEST pointer", ctx.paths().latestPointer()));
    sb.append(String.format(Locale.ROOT, "    %-42s %s/report.html%n", "report", ctx.paths().publication()));
    sb.append("=".repeat(72)).append('\n');
    return sb.toString();
  }
}
