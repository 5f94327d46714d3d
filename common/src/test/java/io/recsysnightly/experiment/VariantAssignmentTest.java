package io.recsysnightly.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The user-to-variant hash: fixed across processes and versions, shares as configured, stable when a variant is added. */
class VariantAssignmentTest {
  private static final int USERS = 100_000;
  private static final String SALT = "exp-2026-12";

  private static Map<String, Double> shares(Object... nameShare) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (int i = 0; i < nameShare.length; i += 2) {
      m.put((String) nameShare[i], ((Number) nameShare[i + 1]).doubleValue());
    }
    return m;
  }

  private static final VariantAssignment THREE = new VariantAssignment(SALT,
      shares("control", 0.5, "rank32", 0.3, "mmr", 0.2));

  @Test
  void theHashIsPinned() {
    // Computed once and written down: another JVM, process or version must give exactly these.
    assertEquals(0xefd01f60ba992926L, VariantAssignment.hash64(""));
    assertEquals(0x43a9abe4324f1bfdL, VariantAssignment.hash64("recsys-nightly"));
    Map<String, String> expected = Map.of("u1", "rank32", "u2", "rank32", "u3", "rank32", "u42", "mmr",
        "user-7", "control", "9999", "rank32", "é", "mmr");
    expected.forEach((user, variant) -> assertEquals(variant, THREE.variantOf(user), user));
  }

  @Test
  void aSecondInstanceAssignsTheSame() {
    VariantAssignment again = new VariantAssignment(SALT, shares("control", 0.5, "rank32", 0.3, "mmr", 0.2));
    for (int u = 0; u < 10_000; u++) {
      assertEquals(THREE.variantOf("u" + u), again.variantOf("u" + u));
    }
  }

  @Test
  void sharesMatchTheConfigurationWithinFourSigma() {
    Map<String, Integer> counts = count(THREE);
    double total = 0.5 + 0.3 + 0.2;
    for (Map.Entry<String, Double> e : shares("control", 0.5, "rank32", 0.3, "mmr", 0.2).entrySet()) {
      double p = e.getValue() / total;
      double sigma = Math.sqrt(USERS * p * (1 - p));
      int n = counts.getOrDefault(e.getKey(), 0);
      assertTrue(Math.abs(n - USERS * p) < 4 * sigma, e.getKey() + ": " + n + " of " + USERS + ", expected "
          + USERS * p + " +- " + 4 * sigma);
    }
  }

  @Test
  void sharesNeedNotSumToOne() {
    Map<String, Integer> counts = count(new VariantAssignment(SALT, shares("a", 1, "b", 3)));
    double sigma = Math.sqrt(USERS * 0.25 * 0.75);
    assertTrue(Math.abs(counts.get("a") - USERS * 0.25) < 4 * sigma, counts.toString());
  }

  @Test
  void addingAVariantMovesUsersOnlyIntoItAndAboutItsShare() {
    VariantAssignment four = new VariantAssignment(SALT, shares("control", 0.5, "rank32", 0.3, "mmr", 0.2,
        "new", 0.25));
    int moved = 0;
    for (int u = 0; u < USERS; u++) {
      String before = THREE.variantOf("u" + u);
      String after = four.variantOf("u" + u);
      if (!before.equals(after)) {
        assertEquals("new", after, "u" + u + " moved from " + before + " to " + after);
        moved++;
      }
    }
    double p = 0.25 / 1.25;
    double sigma = Math.sqrt(USERS * p * (1 - p));
    assertTrue(Math.abs(moved - USERS * p) < 4 * sigma, moved + " users moved, expected about " + USERS * p);
  }

  @Test
  void droppingAVariantMovesOnlyItsUsers() {
    VariantAssignment two = THREE.among(Set.of("control", "mmr"));
    for (int u = 0; u < 20_000; u++) {
      String before = THREE.variantOf("u" + u);
      String after = two.variantOf("u" + u);
      if (!before.equals("rank32")) {
        assertEquals(before, after, "u" + u);
      } else {
        assertTrue(List.of("control", "mmr").contains(after));
      }
    }
  }

  @Test
  void aNewSaltReshuffles() {
    VariantAssignment other = new VariantAssignment("exp-2027-01", shares("control", 0.5, "rank32", 0.3, "mmr", 0.2));
    int same = 0;
    for (int u = 0; u < USERS; u++) {
      if (THREE.variantOf("u" + u).equals(other.variantOf("u" + u))) {
        same++;
      }
    }
    // Independent draws agree with probability 0.5^2 + 0.3^2 + 0.2^2 = 0.38.
    double p = 0.38;
    double sigma = Math.sqrt(USERS * p * (1 - p));
    assertTrue(Math.abs(same - USERS * p) < 4 * sigma, same + " users kept their variant, expected about "
        + USERS * p);
  }

  private static Map<String, Integer> count(VariantAssignment assignment) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (int u = 0; u < USERS; u++) {
      counts.merge(assignment.variantOf("u" + u), 1, Integer::sum);
    }
    return counts;
  }
}
