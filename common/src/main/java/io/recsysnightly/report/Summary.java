package io.recsysnightly.report;

import java.util.List;
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
    timings(sb, report);
    section(sb, "output", report.outputs());
    report.tables().forEach((name, rows) -> table(sb, name, rows));
    sb.append("=".repeat(72)).append('\n');
    return sb.toString();
  }

  private static void section(StringBuilder sb, String name, Map<String, ?> entries) {
    if (entries.isEmpty()) {
      return;
    }
    sb.append("  ").append(name).append('\n');
    for (Map.Entry<String, ?> e : entries.entrySet()) {
      sb.append(String.format(Locale.ROOT, "    %-42s %s%n", e.getKey(), format(e.getValue())));
    }
  }

  /** A table with its columns aligned: text to the left in the first column, numbers to the right elsewhere. */
  private static void table(StringBuilder sb, String title, List<List<String>> rows) {
    sb.append("  ").append(title).append('\n');
    int[] widths = new int[rows.get(0).size()];
    rows.forEach(r -> {
      for (int c = 0; c < r.size(); c++) {
        widths[c] = Math.max(widths[c], r.get(c).length());
      }
    });
    for (List<String> r : rows) {
      StringBuilder line = new StringBuilder("   ");
      for (int c = 0; c < r.size(); c++) {
        String cell = r.get(c);
        String pad = " ".repeat(widths[c] - cell.length());
        line.append(' ').append(c == 0 ? cell + pad : pad + cell).append(c < r.size() - 1 ? " " : "");
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
  }

  /** Each phase's seconds and, where the step recorded what it went through, its rate. */
  private static void timings(StringBuilder sb, StepReport report) {
    if (report.timings().isEmpty()) {
      return;
    }
    sb.append("  timings\n");
    for (Map.Entry<String, Double> e : report.timings().entrySet()) {
      StepReport.Throughput t = report.throughput().get(e.getKey());
      String rate = t == null ? "" : String.format(Locale.ROOT, "  (%,.0f %s/s)", t.perSecond(), t.unit());
      sb.append(String.format(Locale.ROOT, "    %-42s %s%s%n", e.getKey(), seconds(e.getValue()), rate));
    }
  }

  private static String format(Object value) {
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
