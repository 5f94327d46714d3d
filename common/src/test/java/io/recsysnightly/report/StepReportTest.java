package io.recsysnightly.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A phase's rate is its rows over its own seconds, in the summary and in the saved report alike. */
class StepReportTest {

  @Test
  void phaseRatesAreRowsOverTheirSeconds() throws InterruptedException {
    StepReport report = new StepReport("demo");
    Thread.sleep(30);
    report.phaseDone("read", 1_234_567, "event rows");
    Thread.sleep(10);
    report.phaseDone("write");

    double seconds = report.timings().get("read");
    assertTrue(seconds >= 0.03, "the phase's own time: " + seconds);
    StepReport.Throughput t = report.throughput().get("read");
    assertEquals(seconds, t.seconds());
    assertEquals(1_234_567 / seconds, t.perSecond(), 1e-6);
    assertFalse(report.throughput().containsKey("write"), "a phase without rows has no rate");

    String summary = Summary.render(report);
    assertTrue(summary.contains(String.format(Locale.ROOT, "(%,.0f event rows/s)", 1_234_567 / seconds)), summary);
    String writeLine = summary.lines().filter(l -> l.contains("write")).findFirst().orElseThrow();
    assertFalse(writeLine.contains("/s"), writeLine);

    @SuppressWarnings("unchecked")
    Map<String, Object> saved = (Map<String, Object>) StepReport.parseJson(report.toJson()).get("throughput");
    @SuppressWarnings("unchecked")
    Map<String, Object> read = (Map<String, Object>) saved.get("read");
    assertEquals(1_234_567, ((Number) read.get("rows")).longValue());
    assertEquals("event rows", read.get("unit"));
    assertEquals(Math.round(1_234_567 / seconds), ((Number) read.get("per_second")).longValue());
  }

  @Test
  void aZeroLengthPhaseHasRateZero() {
    assertEquals(0, new StepReport.Throughput(10, "rows", 0).perSecond());
  }
}
