package io.recsysnightly.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.report.RunReport;
import io.recsysnightly.report.StepReport;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The sample run's report.html opened in headless Chromium (Debian's {@code chromium}): it renders
 * every plot (an inline script counts the SVG plots with a non-zero size into the DOM, read back
 * with --dump-dom), a screenshot is taken (kept in jobs/target/report-screenshot.png), and the page
 * logs no console error. Skips only when chromium is missing outside CI; with CI=true it fails.
 */
class RunReportChromiumTest {
  private static final Pattern PLOTS = Pattern.compile("data-plots=\"(\\d+)\"");

  @Test
  void sampleReportRendersAllPlotsWithoutConsoleErrors() throws Exception {
    Path chromium = chromium();
    Path report = SampleRun.publication().resolve("report.html");
    assertTrue(Files.isRegularFile(report), "report.html next to the manifest");
    String html = Files.readString(report);
    assertFalse(html.matches("(?s).*(src|href)=\"https?:.*"), "self-contained: no network references");
    int plots = html.split("<svg class=\"plot\"", -1).length - 1;
    assertTrue(plots >= 11, "metrics, starter lists, re-ranking trade-offs, recall@K, ndcg@K, long tail, scores, "
        + "coverage by category, segments, activity, timings: found " + plots);
    assertTrue(html.contains("id=\"rerank-tradeoffs\"") && html.contains("id=\"starter\""), "trade-off and starter plots");

    Run dom = run(chromium, report, "--dump-dom");
    Matcher m = PLOTS.matcher(dom.stdout);
    assertTrue(m.find(), "the page's script ran and counted its plots:\n" + tail(dom.stdout));
    assertEquals(plots, Integer.parseInt(m.group(1)), "every plot has a size on the page");
    assertEquals(List.of(), consoleErrors(dom.stderr));

    Path png = Path.of("target", "report-screenshot.png").toAbsolutePath();
    Files.deleteIfExists(png);
    Run shot = run(chromium, report, "--screenshot=" + png, "--window-size=1400,2600");
    assertTrue(Files.size(png) > 20_000, "a screenshot with content: " + Files.size(png) + " bytes\n" + shot.stderr);
    assertEquals(List.of(), consoleErrors(shot.stderr));
  }

  /**
   * The plots that need more than one night (the forward check, the trends): the sample's manifest as
   * tonight's with a forward check added, and two earlier nights made from it.
   */
  @Test
  @SuppressWarnings("unchecked")
  void forwardAndTrendPlotsRenderToo() throws Exception {
    Path chromium = chromium();
    Map<String, Object> today = StepReport.parseJson(Files.readString(SampleRun.publication().resolve("manifest.json")));
    Map<String, Object> group = Map.of("users", 400, "published", Map.of("hit_rate@10", 0.31, "recall@10", 0.12,
        "ndcg@10", 0.09, "precision@10", 0.04), "starter_all", Map.of("hit_rate@10", 0.2, "recall@10", 0.07,
        "ndcg@10", 0.05, "precision@10", 0.02));
    ((Map<String, Object>) today.get("metrics")).put("forward", Map.of("checked", true, "publication",
        "dt=2018-09-24", "since", "2018-09-25", "until", "2018-09-25", "k", 10, "users_with_list", 610,
        "users_active", 400, "new_pairs", 900, "personal", group, "starter", Map.of("users", 0)));
    List<Map<String, Object>> history = new ArrayList<>();
    for (String date : List.of("2018-09-23", "2018-09-24")) {
      Map<String, Object> night = StepReport.parseJson(StepReport.toJson(today));
      night.put("date", date);
      history.add(night);
    }
    String html = RunReport.render(today, Optional.of(history.get(1)), history);
    assertTrue(html.contains("id=\"forward\"") && html.contains("id=\"trends\""), "forward and trend plots");
    Path page = Files.createTempFile("report-nights-", ".html");
    Files.writeString(page, html);
    Run dom = run(chromium, page, "--dump-dom");
    Matcher m = PLOTS.matcher(dom.stdout);
    assertTrue(m.find(), "the page's script ran:\n" + tail(dom.stdout));
    assertEquals(html.split("<svg class=\"plot\"", -1).length - 1, Integer.parseInt(m.group(1)),
        "every plot has a size on the page");
    assertEquals(List.of(), consoleErrors(dom.stderr));
  }

  @Test
  void consoleErrorsAreCaught() throws Exception {
    Path chromium = chromium();
    Path page = Files.createTempFile("broken-", ".html");
    Files.writeString(page, "<html><body><script>throw new Error('planted failure');</script></body></html>");
    List<String> errors = consoleErrors(run(chromium, page, "--dump-dom").stderr);
    assertFalse(errors.isEmpty(), "the planted error must be reported");
    assertTrue(errors.get(0).contains("planted failure"), errors.toString());
  }

  private static List<String> consoleErrors(String stderr) {
    List<String> out = new ArrayList<>();
    for (String line : stderr.split("\n")) {
      if (line.contains("CONSOLE") || line.contains("Uncaught")) {
        out.add(line);
      }
    }
    return out;
  }

  private record Run(String stdout, String stderr) {}

  private static Run run(Path chromium, Path page, String... extra) throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory("chromium-profile-");
    List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
        "--virtual-time-budget=5000"));
    cmd.addAll(List.of(extra));
    cmd.add(page.toUri().toString());
    Path out = Files.createTempFile("chromium-out-", ".txt");
    Path err = Files.createTempFile("chromium-err-", ".txt");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish in 120 s: " + cmd);
    }
    return new Run(Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }

  private static String tail(String s) {
    return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
  }

  private static Path chromium() {
    Optional<Path> found = Optional.empty();
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String name : List.of("chromium", "chromium-browser")) {
        Path candidate = Path.of(dir, name);
        if (found.isEmpty() && Files.isExecutable(candidate)) {
          found = Optional.of(candidate);
        }
      }
    }
    if (found.isEmpty()) {
      String message = "chromium is not installed (Debian: apt-get install -y chromium); the report render test needs it";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new AssertionError(message + " and CI=true");
      }
      Assumptions.abort(message);
    }
    return found.get();
  }
}
