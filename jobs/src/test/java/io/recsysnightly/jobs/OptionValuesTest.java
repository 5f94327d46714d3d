package io.recsysnightly.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.RecsysException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Typed option values of generate, bench and refresh: suffixes, ranges, and usage errors naming the option. */
class OptionValuesTest {
  private static OptionValues of(String name, String value) {
    return new OptionValues(Options.none().withExtra(name, value));
  }

  @Test
  void integersTakeUnderscoresAndSuffixes() {
    assertEquals(Optional.of(50_000), of("users", "50_000").integer("users", 1, Integer.MAX_VALUE));
    assertEquals(Optional.of(50_000), of("users", "50k").integer("users", 1, Integer.MAX_VALUE));
    assertEquals(Optional.of(2_500_000L), of("events", "2.5m").longValue("events", 1, Long.MAX_VALUE));
    assertEquals(Optional.empty(), of("users", "5").integer("items", 1, 10));
  }

  @Test
  void badValuesAreUsageErrorsNamingTheOption() {
    for (String bad : new String[] {"many", "1.5", "0", "-3"}) {
      RecsysException e = assertThrows(RecsysException.class, () -> of("users", bad).integer("users", 1, 100));
      assertEquals(RecsysException.EXIT_USAGE, e.exitCode());
      assertTrue(e.getMessage().contains("--users") && e.getMessage().contains(bad), e.getMessage());
    }
    assertThrows(RecsysException.class, () -> of("exponent", "x").number("exponent", 0, 5));
    assertThrows(RecsysException.class, () -> of("exponent", "7").number("exponent", 0, 5));
    assertThrows(RecsysException.class, () -> of("end-date", "2025-13-01").date("end-date"));
    assertEquals(Optional.of(LocalDate.of(2025, 1, 31)), of("end-date", "2025-01-31").date("end-date"));
  }

  @Test
  void instantsAreUtcInTheFormsAirflowAndPeopleWrite() {
    Instant noon = Instant.parse("2018-09-26T12:00:00Z");
    for (String form : new String[] {"2018-09-26T12:00:00Z", "2018-09-26T12:00:00+00:00", "2018-09-26T14:00:00+02:00",
        "2018-09-26 12:00", "2018-09-26T12:00:00"}) {
      assertEquals(Optional.of(noon), of("as-of", form).instant("as-of"), form);
    }
    assertEquals(Optional.of(Instant.parse("2018-09-26T00:00:00Z")), of("as-of", "2018-09-26").instant("as-of"));
    RecsysException e = assertThrows(RecsysException.class, () -> of("as-of", "noon").instant("as-of"));
    assertTrue(e.getMessage().contains("--as-of") && e.getMessage().contains("noon"), e.getMessage());
  }
}
