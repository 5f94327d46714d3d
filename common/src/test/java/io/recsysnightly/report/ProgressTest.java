package io.recsysnightly.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The progress line: count, rate and ETA from elapsed time (no Spark needed). */
class ProgressTest {
  @Test
  void rateAndEtaFromElapsedTime() {
    // 3 of 12 in 60 s: 0.05 per second, 9 left -> 180 s.
    assertEquals("trials: 3/12 (rank 64), 0.0500/s, 60 s elapsed, ETA 180 s",
        Progress.line("trials", 3, 12, 60, "rank 64"));
    assertEquals("blocks: 0/4 (start), 0.00/s, 0 s elapsed, ETA ?", Progress.line("blocks", 0, 4, 0, "start"));
  }
}
