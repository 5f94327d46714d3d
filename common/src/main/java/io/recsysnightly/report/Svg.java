package io.recsysnightly.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Small inline-SVG charts for the run report: no scripts, no network, readable offline. */
final class Svg {
  static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#7f7f7f"};
  private static final int W = 640;
  private static final int H = 300;
  private static final int LEFT = 60;
  private static final int RIGHT = 20;
  private static final int TOP = 30;
  private static final int BOTTOM = 60;

  private Svg() {}

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  static String num(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private static String open(String id, int width, int height, String title) {
    return String.format(Locale.ROOT, "<svg class=\"plot\" id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
        + "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\"><title>%s</title>"
        + "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>", id, width, height, width, height, esc(title),
        esc(title));
  }

  private static double niceMax(double max) {
    if (!(max > 0)) {
      return 1;
    }
    double p = Math.pow(10, Math.floor(Math.log10(max)));
    for (double m : new double[] {1, 2, 2.5, 5, 10}) {
      if (m * p >= max) {
        return m * p;
      }
    }
    return 10 * p;
  }

  private static void yAxis(StringBuilder sb, double max, int plotH, String fmt) {
    for (int t = 0; t <= 4; t++) {
      double v = max * t / 4;
      double y = TOP + plotH - plotH * t / 4.0;
      sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%s\" y2=\"%s\" stroke=\"#ddd\"/>", LEFT,
          W - RIGHT, num(y), num(y)));
      sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%s\" font-size=\"11\" text-anchor=\"end\">%s</text>",
          LEFT - 4, num(y + 4), String.format(Locale.ROOT, fmt, v)));
    }
  }

  private static void legend(StringBuilder sb, List<String> names, int y) {
    int x = LEFT;
    for (int i = 0; i < names.size(); i++) {
      sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
          + "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>", x, y, COLORS[i % COLORS.length], x + 14, y + 9,
          esc(names.get(i))));
      x += 22 + 7 * names.get(i).length();
    }
  }

  /** Vertical grouped bars: one group per category, one bar per series. */
  static String bars(String id, String title, List<String> categories, Map<String, double[]> series, String fmt) {
    int plotH = H - TOP - BOTTOM;
    double max = 0;
    for (double[] v : series.values()) {
      for (double x : v) {
        max = Math.max(max, x);
      }
    }
    max = niceMax(max);
    StringBuilder sb = new StringBuilder(open(id, W, H, title));
    yAxis(sb, max, plotH, fmt);
    double groupW = (W - LEFT - RIGHT) / (double) Math.max(1, categories.size());
    double barW = groupW * 0.8 / Math.max(1, series.size());
    int s = 0;
    for (Map.Entry<String, double[]> e : series.entrySet()) {
      for (int c = 0; c < categories.size(); c++) {
        double v = e.getValue()[c];
        double h = plotH * v / max;
        double x = LEFT + c * groupW + groupW * 0.1 + s * barW;
        sb.append(String.format(Locale.ROOT, "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"%s\">"
            + "<title>%s %s: %s</title></rect>", num(x), num(TOP + plotH - h), num(Math.max(1, barW - 1)), num(h),
            COLORS[s % COLORS.length], esc(e.getKey()), esc(categories.get(c)), String.format(Locale.ROOT, "%.4f", v)));
      }
      s++;
    }
    for (int c = 0; c < categories.size(); c++) {
      sb.append(String.format(Locale.ROOT, "<text x=\"%s\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>",
          num(LEFT + c * groupW + groupW / 2), TOP + plotH + 14, esc(categories.get(c))));
    }
    legend(sb, List.copyOf(series.keySet()), H - 24);
    return sb.append("</svg>").toString();
  }

  /** Horizontal bars, one per label, with the value written at the end of the bar. */
  static String hbars(String id, String title, List<String> labels, double[] values, String fmt) {
    int row = 16;
    int height = TOP + 10 + row * Math.max(1, labels.size());
    int labelW = 170;
    double max = 0;
    for (double v : values) {
      max = Math.max(max, v);
    }
    max = niceMax(max);
    StringBuilder sb = new StringBuilder(open(id, W, height, title));
    for (int i = 0; i < labels.size(); i++) {
      double w = (W - labelW - 80) * values[i] / max;
      int y = TOP + i * row;
      sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%s</text>"
          + "<rect x=\"%d\" y=\"%d\" width=\"%s\" height=\"%d\" fill=\"%s\"/><text x=\"%s\" y=\"%d\" font-size=\"11\">%s"
          + "</text>", labelW - 6, y + 11, esc(labels.get(i)), labelW, y + 2, num(Math.max(0.5, w)), row - 4, COLORS[0],
          num(labelW + w + 4), y + 11, String.format(Locale.ROOT, fmt, values[i])));
    }
    return sb.append("</svg>").toString();
  }

  /** Lines over a shared x axis (points marked; NaN values skipped), e.g. Recall@K against K. */
  static String lines(String id, String title, double[] x, Map<String, double[]> series, String xLabel, String fmt) {
    return lines(id, title, x, series, Map.of(), xLabel, fmt);
  }

  /** {@link #lines}, with a dashed vertical line at each x of {@code markers}, its text as the line's tooltip. */
  static String lines(String id, String title, double[] x, Map<String, double[]> series, Map<Double, String> markers,
      String xLabel, String fmt) {
    int plotH = H - TOP - BOTTOM;
    int plotW = W - LEFT - RIGHT;
    double max = 0;
    for (double[] v : series.values()) {
      for (double y : v) {
        max = Double.isNaN(y) ? max : Math.max(max, y);
      }
    }
    max = niceMax(max);
    double minX = x[0];
    double maxX = x[x.length - 1];
    StringBuilder sb = new StringBuilder(open(id, W, H, title));
    yAxis(sb, max, plotH, fmt);
    for (Map.Entry<Double, String> m : markers.entrySet()) {
      double px = LEFT + (maxX > minX ? plotW * (m.getKey() - minX) / (maxX - minX) : plotW / 2.0);
      sb.append(String.format(Locale.ROOT, "<line class=\"marker\" x1=\"%s\" x2=\"%s\" y1=\"%d\" y2=\"%d\" "
          + "stroke=\"#999\" stroke-dasharray=\"4 3\"><title>%s</title></line>", num(px), num(px), TOP, TOP + plotH,
          esc(m.getValue())));
    }
    int s = 0;
    for (Map.Entry<String, double[]> e : series.entrySet()) {
      StringBuilder pts = new StringBuilder();
      for (int i = 0; i < x.length; i++) {
        if (Double.isNaN(e.getValue()[i])) {
          continue; // no value at this x: the line joins its neighbours
        }
        double px = LEFT + (maxX > minX ? plotW * (x[i] - minX) / (maxX - minX) : plotW / 2.0);
        double py = TOP + plotH - plotH * e.getValue()[i] / max;
        pts.append(num(px)).append(',').append(num(py)).append(' ');
        sb.append(String.format(Locale.ROOT, "<circle cx=\"%s\" cy=\"%s\" r=\"3\" fill=\"%s\"><title>%s %s: %s"
            + "</title></circle>", num(px), num(py), COLORS[s % COLORS.length], esc(e.getKey()),
            String.format(Locale.ROOT, "%.0f", x[i]), String.format(Locale.ROOT, "%.4f", e.getValue()[i])));
      }
      sb.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>",
          COLORS[s % COLORS.length], pts.toString().trim()));
      s++;
    }
    for (double xi : x) {
      double px = LEFT + (maxX > minX ? plotW * (xi - minX) / (maxX - minX) : plotW / 2.0);
      sb.append(String.format(Locale.ROOT, "<text x=\"%s\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s</text>",
          num(px), TOP + plotH + 14, String.format(Locale.ROOT, "%.0f", xi)));
    }
    sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>",
        LEFT + plotW / 2, TOP + plotH + 30, esc(xLabel)));
    legend(sb, List.copyOf(series.keySet()), H - 18);
    return sb.append("</svg>").toString();
  }
}
