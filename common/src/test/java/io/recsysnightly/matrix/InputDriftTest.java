package io.recsysnightly.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The input drift measures from build-matrix's counts, against medians computed by hand. */
class InputDriftTest {
  private static Map<String, Object> counts(long events, long users, long newUsers, long items, long newItems,
      long rowsIn, long bad, long views) {
    return Map.of(InputDrift.EVENTS_ON_DATE, events, InputDrift.USERS_ON_DATE, users, InputDrift.NEW_USERS_ON_DATE,
        newUsers, InputDrift.ITEMS_ON_DATE, items, InputDrift.NEW_ITEMS_ON_DATE, newItems, InputDrift.ROWS_IN, rowsIn,
        InputDrift.BAD_ROWS, bad, InputDrift.TYPE_PREFIX + "view", views,
        InputDrift.TYPE_PREFIX + "buy", events - views);
  }

  @Test
  void measuresAgainstTheTrailingMedian() {
    List<Map<String, ?>> history = List.of(
        counts(5, 5, 5, 5, 5, 5, 5, 5), // outside the last 3 nights
        counts(100, 50, 5, 20, 2, 1000, 10, 90),
        counts(120, 60, 6, 20, 1, 1100, 11, 96),
        Map.of("event rows in", 900L)); // a night before these measures existed: skipped
    Map<String, InputDrift.Measure> m = InputDrift.compare(counts(50, 40, 20, 10, 5, 1200, 120, 10), history, 3);
    assertEquals(50, m.get(InputDrift.VOLUME).tonight());
    assertEquals(110, m.get(InputDrift.VOLUME).median(), 1e-12, "median of 100 and 120");
    assertEquals(2, m.get(InputDrift.VOLUME).nights());
    assertEquals(0.5, m.get("new_user_share").tonight(), 1e-12);
    assertEquals(0.1, m.get("new_user_share").median(), 1e-12);
    assertEquals(0.5 / 0.075, m.get("new_item_share").ratio(), 1e-12, "median of 0.1 and 0.05");
    assertEquals(0.1, m.get("bad_row_share").tonight(), 1e-12);
    assertEquals(0.2 / 0.85, m.get("type:view").ratio(), 1e-12, "median of 0.9 and 0.8");
    assertTrue(m.get(InputDrift.VOLUME).drifted(2), "0.45x the median");
    assertFalse(m.get(InputDrift.VOLUME).drifted(2.5));
    Map<String, String> lines = InputDrift.describe(m, 2);
    assertEquals("50, 0.45x the median of 2 nights  WARNING: drifted", lines.get(InputDrift.VOLUME));
  }

  @Test
  void theFirstNightHasNoMedianAndNeverDrifts() {
    Map<String, InputDrift.Measure> m = InputDrift.compare(counts(50, 40, 40, 10, 10, 50, 0, 50), List.of(), 7);
    assertTrue(Double.isNaN(m.get(InputDrift.VOLUME).ratio()));
    assertFalse(m.get(InputDrift.VOLUME).drifted(2));
    assertEquals("1.0000, no earlier night to compare with", InputDrift.describe(m, 2).get("new_user_share"));
  }
}
