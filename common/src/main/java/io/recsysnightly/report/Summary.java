package io.recsysnightly.report;

import java.util.Locale;
import java.util.Map;

/** Renders a step's report as the one-screen summary printed when the step ends. */
public final class Summary {
  private Summary() {}

  public static String render(StepReport report) {
    StringBuilder sb = new StringBuilder();
    String title = "== " + report.step() + " done in " + seconds(report.totalSeconds()) + " ";
    sb.append(title).append("=".repeat(Math.max(0, 72 - title.length()))).append('\n');
    section(sb, "rows", report.counts());
    section(sb, "metrics", report.metrics());
    section(sb, "timings", report.timings());
    section(sb, "output", report.outputs());
    sb.append("=".repeat(72)).append('\n');
    return sb.toString();
  }

  private static void section(StringBuilder sb, String name, Map<String, ?> entries) {
    if (entries.isEmpty()) {
      return;
    }
    sb.append("  ").append(name).append('\n');
    for (Map.Entry<String, ?> e : entries.entrySet()) {
      sb.append(String.format(Locale.ROOT, "    %-42s %s%n", e.getKey(), format(name, e.getValue())));
    }
  }

  private static String format(String section, Object value) {
    if (section.equals("timings") && value instanceof Double d) {
      return seconds(d);
    }
    if (value instanceof Double d) {
      return String.format(Locale.ROOT, "%.4f", d);
    }
    if (value instanceof Long || value instanceof Integer) {
      return String.format(Locale.ROOT, "%,d", ((Number) value).longValue());
    }
    return String.valueOf(value);
  }

  private static String seconds(double s) {
    return String.format(Locale.ROOT, "%.1f s", s);
  }
}
