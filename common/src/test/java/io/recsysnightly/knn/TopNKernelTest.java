package io.recsysnightly.knn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import io.recsysnightly.knn.TopNKernel.Backend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link TopNKernel} against an independent truth: every score recomputed as a double-precision dot
 * product of the same float vectors, every eligible item fully sorted by (score desc, id asc).
 */
class TopNKernelTest {
  private static final double TOL = 1e-4;
  private static final long LARGE_BUFFER = 16L << 20;

  // ---------------------------------------------------------------- fixtures

  /** A catalogue: row-major vectors, strictly increasing (non-contiguous) ids, optional excluded rows. */
  private record Catalogue(float[] vectors, int[] ids, boolean[] excluded, int rank) {
    int size() {
      return ids.length;
    }
  }

  /** Ids 0, 3, 5, 8, 10, ...: gaps of 3 and 2, so never contiguous. */
  private static int[] gappedIds(int count) {
    int[] ids = new int[count];
    for (int i = 0; i < count; i++) {
      ids[i] = (i / 2) * 5 + (i % 2 == 0 ? 0 : 3);
    }
    return ids;
  }

  private static float[] gaussian(Random rnd, int rows, int rank) {
    float[] v = new float[rows * rank];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rnd.nextGaussian();
    }
    return v;
  }

  /** Small integers: every dot product is an exact integer in float, so exact ties are plentiful. */
  private static float[] smallInts(Random rnd, int rows, int rank) {
    float[] v = new float[rows * rank];
    for (int i = 0; i < v.length; i++) {
      v[i] = rnd.nextInt(5) - 2;
    }
    return v;
  }

  private static boolean[] randomExcluded(Random rnd, int count, double p) {
    boolean[] e = new boolean[count];
    for (int i = 0; i < count; i++) {
      e[i] = rnd.nextDouble() < p;
    }
    return e;
  }

  /**
   * A sorted seen list per query: random catalogue ids plus ids that are not in the catalogue
   * (negative, in the gaps, past the end). Some queries get null, some an empty array.
   */
  private static int[][] randomSeen(Random rnd, int queries, int[] ids) {
    int[][] seen = new int[queries][];
    Set<Integer> catalogue = new HashSet<>();
    for (int id : ids) {
      catalogue.add(id);
    }
    int maxId = ids.length == 0 ? 0 : ids[ids.length - 1];
    for (int q = 0; q < queries; q++) {
      int mode = q % 7;
      if (mode == 0) {
        seen[q] = null;
        continue;
      }
      if (mode == 1) {
        seen[q] = new int[0];
        continue;
      }
      TreeSet<Integer> s = new TreeSet<>();
      int count = rnd.nextInt(Math.max(1, ids.length / 4));
      for (int i = 0; i < count; i++) {
        s.add(ids[rnd.nextInt(ids.length)]);
      }
      s.add(-1 - rnd.nextInt(10)); // below the catalogue
      s.add(maxId + 1 + rnd.nextInt(10)); // past the end
      for (int i = 0; i < 5; i++) {
        int gap = rnd.nextInt(maxId + 1);
        if (!catalogue.contains(gap)) {
          s.add(gap); // in a gap between ids
        }
      }
      seen[q] = s.stream().mapToInt(Integer::intValue).toArray();
    }
    return seen;
  }

  // ---------------------------------------------------------------- the independent truth

  /** One eligible item with its double-precision score. */
  private record Scored(int id, double score) {}

  /** All eligible items for query q, sorted by score desc then id asc. */
  private static List<Scored> bruteForce(Catalogue c, float[] queries, int q, int[] seen) {
    Set<Integer> skip = new HashSet<>();
    if (seen != null) {
      for (int s : seen) {
        skip.add(s);
      }
    }
    List<Scored> all = new ArrayList<>();
    for (int row = 0; row < c.size(); row++) {
      if (skip.contains(c.ids()[row]) || (c.excluded() != null && c.excluded()[row])) {
        continue;
      }
      double dot = 0;
      for (int f = 0; f < c.rank(); f++) {
        dot += (double) queries[q * c.rank() + f] * c.vectors()[row * c.rank() + f];
      }
      all.add(new Scored(c.ids()[row], dot));
    }
    all.sort((a, b) -> a.score() != b.score() ? Double.compare(b.score(), a.score())
        : Integer.compare(a.id(), b.id()));
    return all;
  }

  /** Runs the kernel over all queries, {@code blockSize} at a time; returns per query its list. */
  private static List<List<Scored>> runKernel(Backend backend, Catalogue c, float[] queries, int numQueries,
      int[][] seen, int n, long buffer, int blockSize) {
    TopNKernel kernel = new TopNKernel(c.vectors(), c.ids(), c.excluded(), c.rank(), buffer, blockSize, backend);
    assertEquals(backend, kernel.backend());
    assertEquals(c.size(), kernel.numItems());
    List<List<Scored>> out = new ArrayList<>();
    for (int start = 0; start < numQueries; start += blockSize) {
      int count = Math.min(blockSize, numQueries - start);
      float[] block = Arrays.copyOfRange(queries, start * c.rank(), (start + count) * c.rank());
      int[][] blockSeen = seen == null ? null : Arrays.copyOfRange(seen, start, start + count);
      TopNBlock result = kernel.topN(block, count, blockSeen, n);
      for (int q = 0; q < count; q++) {
        out.add(listOf(result, q));
      }
    }
    return out;
  }

  /** Query q's list in {@code result}, best first. */
  private static List<Scored> listOf(TopNBlock result, int q) {
    List<Scored> list = new ArrayList<>();
    for (int p = 0; p < result.size(q); p++) {
      list.add(new Scored(result.id(q, p), result.score(q, p)));
    }
    return list;
  }

  /**
   * The checks against the brute force that hold whatever the float rounding: right size, only
   * eligible distinct ids each with its brute score, scores value-wise equal to the brute top-n,
   * order non-increasing with exact ties by increasing id, and the exact set when the boundary is clear.
   */
  private static void assertMatches(List<Scored> brute, List<Scored> got, int n, String what) {
    int expected = Math.min(n, brute.size());
    assertEquals(expected, got.size(), what + ": list size");
    Map<Integer, Double> bruteScore = new HashMap<>();
    for (Scored s : brute) {
      bruteScore.put(s.id(), s.score());
    }
    Set<Integer> gotIds = new HashSet<>();
    for (int p = 0; p < got.size(); p++) {
      Scored s = got.get(p);
      assertTrue(bruteScore.containsKey(s.id()), what + ": id " + s.id() + " is not eligible (seen, excluded or unknown)");
      assertTrue(gotIds.add(s.id()), what + ": id " + s.id() + " returned twice");
      assertEquals(bruteScore.get(s.id()), s.score(), TOL, what + ": score of id " + s.id());
      assertEquals(brute.get(p).score(), s.score(), TOL, what + ": score at position " + p);
      if (p > 0) {
        Scored prev = got.get(p - 1);
        assertTrue(prev.score() >= s.score(), what + ": scores increase at position " + p);
        if (prev.score() == s.score()) {
          assertTrue(prev.id() < s.id(), what + ": equal scores not in increasing id order at position " + p);
        }
      }
    }
    if (expected == 0) {
      return;
    }
    double kth = brute.get(expected - 1).score();
    for (Scored s : brute) {
      if (s.score() > kth + TOL) {
        assertTrue(gotIds.contains(s.id()), what + ": clearly better id " + s.id() + " missing");
      }
    }
    if (expected < brute.size() && kth - brute.get(expected).score() > TOL) {
      Set<Integer> top = new HashSet<>();
      for (int p = 0; p < expected; p++) {
        top.add(brute.get(p).id());
      }
      assertEquals(top, gotIds, what + ": top set");
    }
  }

  // ---------------------------------------------------------------- random factors

  static Stream<Arguments> randomCases() {
    List<Arguments> cases = new ArrayList<>();
    for (Backend backend : new Backend[] {Backend.VECTOR, Backend.SGEMM}) {
      for (int rank : new int[] {8, 17}) {
        for (int blockSize : new int[] {1, 7, 64, 300}) {
          for (long buffer : new long[] {100, 1000, LARGE_BUFFER}) {
            cases.add(Arguments.of(backend, rank, blockSize, buffer));
          }
        }
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}, rank {1}, block {2}, buffer {3}")
  @MethodSource("randomCases")
  void randomFactorsMatchBruteForce(Backend backend, int rank, int blockSize, long buffer) {
    Random rnd = new Random(1000L * rank + blockSize + buffer);
    int numItems = 500;
    int numQueries = 300;
    Catalogue c = new Catalogue(gaussian(rnd, numItems, rank), gappedIds(numItems),
        randomExcluded(rnd, numItems, 0.1), rank);
    float[] queries = gaussian(rnd, numQueries, rank);
    int[][] seen = randomSeen(rnd, numQueries, c.ids());
    int n = 10;
    List<List<Scored>> got = runKernel(backend, c, queries, numQueries, seen, n, buffer, blockSize);
    for (int q = 0; q < numQueries; q++) {
      assertMatches(bruteForce(c, queries, q, seen[q]), got.get(q), n, "query " + q);
    }
  }

  /**
   * The warm start (a threshold from a sample of the items) is a guess: queries that have seen their
   * best items let fewer than N items reach it and must be scored again from scratch, still exactly.
   */
  @ParameterizedTest
  @EnumSource(value = Backend.class, names = {"VECTOR", "SGEMM"})
  void warmStartThatIsTooHighIsScoredAgain(Backend backend) {
    Random rnd = new Random(99);
    int rank = 12;
    int numItems = 2000;
    int numQueries = 40;
    int n = 20;
    Catalogue c = new Catalogue(gaussian(rnd, numItems, rank), gappedIds(numItems), null, rank);
    float[] queries = gaussian(rnd, numQueries, rank);
    int[][] seen = new int[numQueries][];
    for (int q = 0; q < numQueries; q++) {
      // Even queries have seen their 150 best items: nothing near the warm start is left for them.
      List<Scored> all = bruteForce(c, queries, q, null);
      seen[q] = q % 2 == 0 ? all.subList(0, 150).stream().mapToInt(Scored::id).sorted().toArray() : null;
    }
    TopNKernel kernel = new TopNKernel(c.vectors(), c.ids(), null, rank, LARGE_BUFFER, numQueries, backend);
    TopNBlock result = kernel.topN(queries, numQueries, seen, n);
    assertEquals(numQueries / 2, kernel.rescored(), "exactly the queries that saw their best items are rescored");
    for (int q = 0; q < numQueries; q++) {
      assertMatches(bruteForce(c, queries, q, seen[q]), listOf(result, q), n, "query " + q);
    }
  }

  /**
   * Items with an infinite coordinate score plus or minus infinity (ties among them go by id), items
   * with a NaN coordinate score NaN and are never returned; the lane masks of the vector kernel must
   * treat them as the scalar comparisons do, with and without the warm start.
   */
  @ParameterizedTest
  @EnumSource(value = Backend.class, names = {"VECTOR", "SGEMM"})
  void infiniteScoresRankFirstOrLastAndNaNScoresNever(Backend backend) {
    Random rnd = new Random(17);
    int rank = 6;
    int numItems = 1500;
    int numQueries = 70;
    float[] vectors = gaussian(rnd, numItems, rank);
    boolean[] nan = new boolean[numItems];
    for (int row = 0; row < numItems; row++) {
      int kind = rnd.nextInt(50);
      if (kind == 0) {
        vectors[row * rank + 2] = Float.POSITIVE_INFINITY;
      } else if (kind == 1) {
        vectors[row * rank + 4] = Float.NEGATIVE_INFINITY;
      } else if (kind == 2) {
        vectors[row * rank] = Float.NaN;
        nan[row] = true;
      }
    }
    int[] ids = gappedIds(numItems);
    Catalogue c = new Catalogue(vectors, ids, null, rank);
    // The truth leaves NaN items out, as the kernel must.
    Catalogue truth = new Catalogue(vectors, ids, nan, rank);
    float[] queries = gaussian(rnd, numQueries, rank);
    for (int n : new int[] {5, 40, 150}) {
      List<List<Scored>> got = runKernel(backend, c, queries, numQueries, null, n, LARGE_BUFFER, 32);
      for (int q = 0; q < numQueries; q++) {
        assertMatches(bruteForce(truth, queries, q, null), got.get(q), n, "n " + n + ", query " + q);
      }
    }
  }

  // ---------------------------------------------------------------- exact ties

  /**
   * Integer-valued vectors make every score an exact float, so the kernel must reproduce the brute
   * force list exactly, ids included: ties by increasing id, also across item chunks and when a
   * tied candidate arrives after the heap is full.
   */
  @ParameterizedTest
  @EnumSource(value = Backend.class, names = {"VECTOR", "SGEMM"})
  void exactTiesGoToSmallerIdsAcrossChunksAndBlocks(Backend backend) {
    Random rnd = new Random(7);
    int rank = 3;
    int numItems = 400;
    int numQueries = 60;
    Catalogue c = new Catalogue(smallInts(rnd, numItems, rank), gappedIds(numItems),
        randomExcluded(rnd, numItems, 0.1), rank);
    float[] queries = smallInts(rnd, numQueries, rank);
    int[][] seen = randomSeen(rnd, numQueries, c.ids());
    for (int blockSize : new int[] {1, 7, 64}) {
      for (long buffer : new long[] {100, 1000, LARGE_BUFFER}) {
        for (int n : new int[] {1, 5, 25}) {
          List<List<Scored>> got = runKernel(backend, c, queries, numQueries, seen, n, buffer, blockSize);
          for (int q = 0; q < numQueries; q++) {
            List<Scored> brute = bruteForce(c, queries, q, seen[q]);
            List<Scored> expected = brute.subList(0, Math.min(n, brute.size()));
            assertEquals(expected, got.get(q),
                "query " + q + ", block " + blockSize + ", buffer " + buffer + ", n " + n);
          }
        }
      }
    }
  }

  /** Duplicated Gaussian item vectors: identical floats give identical scores, smaller id first. */
  @ParameterizedTest
  @EnumSource(value = Backend.class, names = {"VECTOR", "SGEMM"})
  void duplicatedItemVectorsAreOrderedById(Backend backend) {
    Random rnd = new Random(11);
    int rank = 8;
    int distinct = 40;
    // Items 0..39 and then each vector again: item row r and row r + 40 are identical.
    float[] base = gaussian(rnd, distinct, rank);
    float[] vectors = new float[2 * distinct * rank];
    System.arraycopy(base, 0, vectors, 0, base.length);
    System.arraycopy(base, 0, vectors, base.length, base.length);
    Catalogue c = new Catalogue(vectors, gappedIds(2 * distinct), null, rank);
    float[] queries = gaussian(rnd, 20, rank);
    for (long buffer : new long[] {7, LARGE_BUFFER}) {
      List<List<Scored>> got = runKernel(backend, c, queries, 20, null, 2 * distinct, buffer, 1);
      for (int q = 0; q < 20; q++) {
        List<Scored> list = got.get(q);
        assertMatches(bruteForce(c, queries, q, null), list, 2 * distinct, "query " + q);
        Map<Integer, Integer> position = new HashMap<>();
        for (int p = 0; p < list.size(); p++) {
          position.put(list.get(p).id(), p);
        }
        for (int r = 0; r < distinct; r++) {
          int first = c.ids()[r];
          int twin = c.ids()[r + distinct];
          int pf = position.get(first);
          int pt = position.get(twin);
          if (list.get(pf).score() == list.get(pt).score()) {
            assertEquals(pf + 1, pt, "query " + q + ": twin " + twin + " should follow " + first);
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------- edge cases

  @ParameterizedTest
  @EnumSource(value = Backend.class, names = {"VECTOR", "SGEMM"})
  void nLargerThanCatalogueReturnsEveryEligibleItem(Backend backend) {
    Random rnd = new Random(3);
    int rank = 5;
    int numItems = 50;
    Catalogue c = new Catalogue(gaussian(rnd, numItems, rank), gappedIds(numItems),
        randomExcluded(rnd, numItems, 0.2), rank);
    float[] queries = gaussian(rnd, 9, rank);
    int[][] seen = randomSeen(rnd, 9, c.ids());
    for (long buffer : new long[] {10, LARGE_BUFFER}) {
      List<List<Scored>> got = runKernel(backend, c, queries, 9, seen, 1000, buffer, 4);
      for (int q = 0; q < 9; q++) {
        List<Scored> brute = bruteForce(c, queries, q, seen[q]);
        assertMatches(brute, got.get(q), 1000, "query " + q);
        Set<Integer> all = new HashSet<>();
        brute.forEach(s -> all.add(s.id()));
        Set<Integer> returned = new HashSet<>();
        got.get(q).forEach(s -> returned.add(s.id()));
        assertEquals(all, returned, "query " + q + " gets every eligible item");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = Backend.class, names = {"VECTOR", "SGEMM"})
  void queryThatHasSeenEverythingGetsAnEmptyList(Backend backend) {
    Random rnd = new Random(5);
    int rank = 4;
    int numItems = 30;
    Catalogue c = new Catalogue(gaussian(rnd, numItems, rank), gappedIds(numItems), null, rank);
    float[] queries = gaussian(rnd, 3, rank);
    // Query 0 has seen every item (plus unknown ids around them), query 1 nothing, query 2 all but one.
    int[] everything = new int[numItems + 2];
    everything[0] = -5;
    System.arraycopy(c.ids(), 0, everything, 1, numItems);
    everything[numItems + 1] = c.ids()[numItems - 1] + 100;
    int[] allButOne = Arrays.stream(c.ids()).filter(id -> id != c.ids()[17]).toArray();
    int[][] seen = {everything, null, allButOne};
    for (long buffer : new long[] {4, LARGE_BUFFER}) {
      List<List<Scored>> got = runKernel(backend, c, queries, 3, seen, 10, buffer, 3);
      assertTrue(got.get(0).isEmpty(), "everything seen");
      assertMatches(bruteForce(c, queries, 1, null), got.get(1), 10, "nothing seen");
      assertEquals(1, got.get(2).size());
      assertEquals(c.ids()[17], got.get(2).get(0).id());
    }
  }

  @ParameterizedTest
  @EnumSource(value = Backend.class, names = {"VECTOR", "SGEMM"})
  void excludedItems(Backend backend) {
    Random rnd = new Random(9);
    int rank = 6;
    int numItems = 80;
    float[] vectors = gaussian(rnd, numItems, rank);
    int[] ids = gappedIds(numItems);
    float[] queries = gaussian(rnd, 10, rank);
    int[][] seen = randomSeen(rnd, 10, ids);

    // No exclusions: a null array and an all-false array give the same, brute-force, lists.
    Catalogue none = new Catalogue(vectors, ids, null, rank);
    Catalogue allFalse = new Catalogue(vectors, ids, new boolean[numItems], rank);
    List<List<Scored>> a = runKernel(backend, none, queries, 10, seen, 15, 50, 5);
    List<List<Scored>> b = runKernel(backend, allFalse, queries, 10, seen, 15, 50, 5);
    assertEquals(a, b);
    for (int q = 0; q < 10; q++) {
      assertMatches(bruteForce(none, queries, q, seen[q]), a.get(q), 15, "query " + q);
    }

    // Every item excluded: every list is empty.
    boolean[] all = new boolean[numItems];
    Arrays.fill(all, true);
    List<List<Scored>> empty = runKernel(backend, new Catalogue(vectors, ids, all, rank), queries, 10, seen, 15, 50, 5);
    empty.forEach(list -> assertTrue(list.isEmpty()));

    // The best item of query 0 excluded: it disappears and the rest moves up.
    int best = a.get(0).get(0).id();
    boolean[] one = new boolean[numItems];
    one[Arrays.binarySearch(ids, best)] = true;
    List<List<Scored>> without = runKernel(backend, new Catalogue(vectors, ids, one, rank), queries, 10, seen, 15, 50, 5);
    assertFalse(without.get(0).stream().anyMatch(s -> s.id() == best));
    assertEquals(a.get(0).subList(1, 15), without.get(0).subList(0, 14));
  }

  @ParameterizedTest
  @EnumSource(value = Backend.class, names = {"VECTOR", "SGEMM"})
  void nullSeenArrayMeansNothingSeen(Backend backend) {
    Random rnd = new Random(13);
    int rank = 4;
    Catalogue c = new Catalogue(gaussian(rnd, 25, rank), gappedIds(25), null, rank);
    float[] queries = gaussian(rnd, 4, rank);
    List<List<Scored>> got = runKernel(backend, c, queries, 4, null, 6, LARGE_BUFFER, 4);
    for (int q = 0; q < 4; q++) {
      assertMatches(bruteForce(c, queries, q, null), got.get(q), 6, "query " + q);
    }
  }

  @ParameterizedTest
  @EnumSource(value = Backend.class, names = {"VECTOR", "SGEMM"})
  void emptyCatalogueAndEmptyBlock(Backend backend) {
    TopNKernel empty = new TopNKernel(new float[0], new int[0], null, 3, LARGE_BUFFER, 4, backend);
    TopNBlock block = empty.topN(new float[] {1, 2, 3}, 1, null, 5);
    assertEquals(0, block.size(0));

    TopNKernel kernel = new TopNKernel(new float[] {1, 0, 0, 1}, new int[] {2, 9}, null, 2, LARGE_BUFFER, 4, backend);
    TopNBlock none = kernel.topN(new float[0], 0, new int[0][], 5);
    assertTrue(none != null);
  }

  /** A hand-checked case: q = (1, 2); items 2:(1,0)=1, 4:(0,1)=2, 6:(1,1)=3, 8:(-1,0)=-1, 9:(0.5,1)=2.5. */
  @ParameterizedTest
  @EnumSource(value = Backend.class, names = {"VECTOR", "SGEMM"})
  void handWorkedExample(Backend backend) {
    float[] items = {1, 0, 0, 1, 1, 1, -1, 0, 0.5f, 1};
    int[] ids = {2, 4, 6, 8, 9};
    TopNKernel kernel = new TopNKernel(items, ids, new boolean[] {false, false, false, false, true}, 2, 3, 1, backend);
    TopNBlock block = kernel.topN(new float[] {1, 2}, 1, new int[][] {{4, 5}}, 3);
    // 9 excluded, 4 seen: remaining 6 (3), 2 (1), 8 (-1).
    assertEquals(3, block.size(0));
    assertArrayEquals(new int[] {6, 2, 8}, new int[] {block.id(0, 0), block.id(0, 1), block.id(0, 2)});
    assertArrayEquals(new float[] {3, 1, -1}, new float[] {block.score(0, 0), block.score(0, 1), block.score(0, 2)});
  }

  @Test
  void rejectsBadCatalogues() {
    assertThrows(IllegalArgumentException.class,
        () -> new TopNKernel(new float[5], new int[] {1, 2, 3}, null, 2, LARGE_BUFFER, 1));
    assertThrows(IllegalArgumentException.class,
        () -> new TopNKernel(new float[6], new int[] {1, 3, 3}, null, 2, LARGE_BUFFER, 1));
    assertThrows(IllegalArgumentException.class,
        () -> new TopNKernel(new float[6], new int[] {4, 3, 5}, null, 2, LARGE_BUFFER, 1));
  }
}
