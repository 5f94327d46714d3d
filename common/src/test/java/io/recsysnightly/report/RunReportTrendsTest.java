package io.recsysnightly.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The run report's forward-check section and its trends over the last nights. */
class RunReportTrendsTest {
  private static Map<String, Object> night(String date, String rank, double holdout, Map<String, Object> forward) {
    return Map.of("date", date, "model_version", date + "-v", "config", Map.of("recsys.run.date", date,
        "recsys.als.rank", rank), "metrics", Map.of("k", 10, "evaluated", true, "als", Map.of("ndcg@10", holdout),
        "forward", forward));
  }

  private static Map<String, Object> forward(double served, double all, long users) {
    Map<String, Object> group = Map.of("users", users, "published", Map.of("hit_rate@10", 0.5, "recall@10", 0.25,
        "ndcg@10", served, "precision@10", 0.05), "starter_all", Map.of("hit_rate@10", 0.25, "recall@10", 0.125,
        "ndcg@10", all, "precision@10", 0.025));
    return Map.of("checked", true, "publication", "dt=2024-03-02", "since", "2024-03-03", "until", "2024-03-03",
        "k", 10, "users_with_list", 60L, "users_active", users, "new_pairs", 9L, "personal", group, "starter",
        Map.of("users", 0L, "published", Map.of(), "starter_all", Map.of()));
  }

  /** A night with build-matrix's counts of the day, publish's model drift and a gate verdict. */
  private static Map<String, Object> withDrift(Map<String, Object> night, long events, long newUsers, double changed,
      double cosine) {
    Map<String, Object> m = new java.util.HashMap<>(night);
    m.put("input_counts", Map.of("events on the run date", events, "users active on the run date", 200L,
        "users first seen on the run date", newUsers, "event rows in", 90_000L, "bad rows quarantined", 0L));
    m.put("model_drift", Map.of("checked", true, "top10_changed_share", changed, "user_cosine_median", cosine));
    m.put("gate", Map.of("passed", true));
    return m;
  }

  @Test
  void plotsTheLastNightsAndSaysWhatChanged() {
    Map<String, Object> first = night("2024-03-01", "32", 0.3111, Map.of("checked", false, "reason", "no earlier"));
    Map<String, Object> second = withDrift(night("2024-03-02", "32", 0.3222, forward(0.2001, 0.1001, 7)), 1200, 10,
        0.125, 0.98765);
    Map<String, Object> today = withDrift(night("2024-03-03", "64", 0.3333, forward(0.2444, 0.1444, 9)), 12345, 50,
        0.75, 0.5);

    String html = RunReport.render(today, Optional.of(second), List.of(first, second));

    assertTrue(html.contains("Forward check: dt=2024-03-02's lists against new items from 2024-03-03 to 2024-03-03 "
        + "(9 of 60 users with a list took a new item)"), html);
    assertTrue(html.contains("id=\"forward\"") && html.contains("id=\"trends\""), "forward and trend plots");
    String rows = html.substring(html.indexOf("The last 3 nights"));
    assertTrue(rows.contains("<tr><td>2024-03-01</td><td>2024-03-01-v</td><td>0.3111</td>" + "<td></td>".repeat(9)
        + "</tr>"), "the first night: holdout only, nothing to compare its configuration with");
    assertTrue(rows.contains("<tr><td>2024-03-02</td><td>2024-03-02-v</td><td>0.3222</td><td>0.2001</td><td>0.1001</td>"
        + "<td>7</td><td>1,200</td><td>5.0%</td><td>12.5%</td><td>0.988</td><td>passed</td><td>none</td></tr>"),
        "the run date alone changed: no configuration change");
    assertTrue(rows.contains("<tr><td>2024-03-03</td><td>2024-03-03-v</td><td>0.3333</td><td>0.2444</td><td>0.1444</td>"
        + "<td>9</td><td>12,345</td><td>25.0%</td><td>75.0%</td><td>0.500</td><td>passed</td><td>recsys.als.rank</td>"
        + "</tr>"), "the rank changed on the third night; its volume and drift");
    // One dashed marker, on the night whose configuration changed (the run date aside).
    Matcher markers = Pattern.compile("<line class=\"marker\"[^>]*><title>([^<]+)</title>").matcher(html);
    List<String> marked = new java.util.ArrayList<>();
    while (markers.find()) {
      marked.add(markers.group(1));
    }
    assertEquals(List.of("configuration changed on 2024-03-03: recsys.als.rank"), marked);
    // The forward lines have no point on the first night (not checked): two points each, the holdout three.
    Matcher points = Pattern.compile("<title>([^<]+) (-?\\d+): [0-9.]+</title>").matcher(html.substring(
        html.indexOf("id=\"trends\"")));
    int holdout = 0;
    int served = 0;
    while (points.find()) {
      holdout += points.group(1).equals("holdout, ALS") ? 1 : 0;
      served += points.group(1).equals("forward, lists as served (personal)") ? 1 : 0;
    }
    assertEquals(List.of(3, 2), List.of(holdout, served));
  }

  @Test
  void aNightWithoutAForwardCheckSaysWhy() {
    Map<String, Object> only = night("2024-03-01", "32", 0.3111, Map.of("checked", false, "reason",
        "no earlier publication (LATEST names none)"));
    String html = RunReport.render(only, Optional.empty(), List.of());
    assertTrue(html.contains("Forward check: not done (no earlier publication (LATEST names none))."), html);
    assertFalse(html.contains("id=\"trends\""), "one night has no trend");
  }
}
