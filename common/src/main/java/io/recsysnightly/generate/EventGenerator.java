package io.recsysnightly.generate;

import java.io.Serializable;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Synthetic events with a known structure, generated user by user from the seed alone, so that any
 * partition of the users produces the same events (the output does not depend on the number of
 * cores or tasks).
 *
 * <p><b>Popularity.</b> The item of popularity rank r (item index r - 1) has weight r^-s. Every
 * event's item follows exactly this law once users are averaged out (see below), so the item counts
 * of a large sample fall on a line of slope -s on a log-log plot.
 *
 * <p><b>Planted taste.</b> Items are spread evenly over C categories (a seeded shuffle). Each user
 * has 1 to 3 favourite categories, each drawn with the category's share of popularity P(c). A share
 * {@code tasteShare} of the user's events picks one favourite uniformly and then an item of that
 * category by popularity; the rest pick an item by global popularity. So P(item | user) is a mixture
 * of C + 1 fixed item distributions: a user x item matrix of rank at most C + 1, which is what a
 * factorisation model can learn. Because favourites are drawn in proportion to P(c), the mixture
 * averages back to the global power law: E[share of c] = P(c), and within c items follow their weights.
 *
 * <p><b>Activity.</b> Users' event counts follow a log-normal (sigma 1) scaled so they sum exactly to
 * the requested total, at least one each. Ratings (80%) are higher inside a user's taste; tags have no
 * value. Timestamps are uniform over the window.
 *
 * <p><b>Drift.</b> With a drift date, a share of the users (a seeded choice) follow a second set of
 * favourite categories, drawn the same way, in their events from that day on: a known change of taste
 * on a known day, for the forward check and the drift measures to find.
 */
public final class EventGenerator implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final double ACTIVITY_SIGMA = 1.0;
  private static final double RATING_SHARE = 0.8;

  private final GenerateSpec spec;
  /** Cumulative popularity weights of items 0..n-1 (index = popularity rank - 1). */
  private final double[] itemCdf;
  private final int[] categoryOf;
  /** Items of each category in popularity order, and their cumulative weights. */
  private final int[][] categoryItems;
  private final double[][] categoryCdf;
  private final double[] categoryShareCdf;
  /** Events of user u: {@code eventStart[u] .. eventStart[u + 1]}. */
  private final long[] eventStart;
  private final long windowStartSecond;
  private final long windowSeconds;

  public EventGenerator(GenerateSpec spec) {
    this.spec = spec;
    int n = spec.items();
    itemCdf = new double[n];
    double total = 0;
    for (int i = 0; i < n; i++) {
      total += weight(i);
      itemCdf[i] = total;
    }
    // Categories: a seeded shuffle of the items dealt round-robin, so every category has n / C items
    // (give or take one) and a random share of the popularity.
    int c = spec.categories();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom shuffle = new SplittableRandom(mix(spec.seed(), 0x5eedL, 1));
    for (int i = n - 1; i > 0; i--) {
      int j = shuffle.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    categoryOf = new int[n];
    int[] counts = new int[c];
    for (int i = 0; i < n; i++) {
      categoryOf[order[i]] = i % c;
      counts[i % c]++;
    }
    categoryItems = new int[c][];
    categoryCdf = new double[c][];
    for (int k = 0; k < c; k++) {
      categoryItems[k] = new int[counts[k]];
      categoryCdf[k] = new double[counts[k]];
    }
    int[] fill = new int[c];
    double[] mass = new double[c];
    for (int i = 0; i < n; i++) { // increasing i: each category's items in popularity order
      int k = categoryOf[i];
      mass[k] += weight(i);
      categoryItems[k][fill[k]] = i;
      categoryCdf[k][fill[k]] = mass[k];
      fill[k]++;
    }
    categoryShareCdf = new double[c];
    double acc = 0;
    for (int k = 0; k < c; k++) {
      acc += mass[k];
      categoryShareCdf[k] = acc;
    }
    eventStart = activity(spec);
    windowStartSecond = spec.endDate().plusDays(1).atStartOfDay().toEpochSecond(ZoneOffset.UTC)
        - 86_400L * spec.days();
    windowSeconds = 86_400L * spec.days();
  }

  public GenerateSpec spec() {
    return spec;
  }

  /** Popularity weight of item i (rank i + 1). */
  public double weight(int item) {
    return Math.pow(item + 1, -spec.exponent());
  }

  public int categoryOf(int item) {
    return categoryOf[item];
  }

  public long eventsOf(int user) {
    return eventStart[user + 1] - eventStart[user];
  }

  /** Receives generated events without allocating: item and user are indices. */
  public interface Sink {
    /** @param value the rating, or NaN for a tag */
    void event(int user, int item, boolean rating, double value, long epochSecond);
  }

  /** The favourite categories of a user (1 to 3, possibly repeated), drawn by category popularity. */
  public int[] favourites(int user) {
    return favourites(new SplittableRandom(mix(spec.seed(), user, 2)));
  }

  private int[] favourites(SplittableRandom rnd) {
    int k = 1 + rnd.nextInt(3);
    int[] fav = new int[k];
    for (int j = 0; j < k; j++) {
      fav[j] = sample(categoryShareCdf, rnd);
    }
    return fav;
  }

  /** Whether user {@code user} follows new favourites from the drift date on ({@link GenerateSpec#driftFrom()}). */
  public boolean drifts(int user) {
    return spec.driftFrom() != null
        && Long.remainderUnsigned(mix(spec.seed(), user, 8), 1_000_000L) < spec.driftShare() * 1_000_000L;
  }

  /** The favourite categories a drifting user follows from the drift date on, drawn like the first ones. */
  public int[] driftedFavourites(int user) {
    return favourites(new SplittableRandom(mix(spec.seed(), user, 9)));
  }

  /** Generates every event of users {@code from .. to}, user by user, in a fixed order. */
  public void generate(int from, int to, Sink sink) {
    long driftSecond = spec.driftFrom() == null ? Long.MAX_VALUE
        : spec.driftFrom().atStartOfDay().toEpochSecond(ZoneOffset.UTC);
    for (int u = from; u < to; u++) {
      int[] before = favourites(u);
      int[] after = drifts(u) ? driftedFavourites(u) : before;
      SplittableRandom rnd = new SplittableRandom(mix(spec.seed(), u, 3));
      long count = eventsOf(u);
      for (long e = 0; e < count; e++) {
        // With a drift date the time is drawn first, as it decides which favourites the event follows;
        // without one, last, as it always was (the same seed gives the same events as before drift existed).
        long second = spec.driftFrom() == null ? -1 : windowStartSecond + rnd.nextLong(windowSeconds);
        int[] fav = second >= driftSecond ? after : before;
        int item;
        boolean inTaste;
        if (rnd.nextDouble() < spec.tasteShare()) {
          int k = fav[rnd.nextInt(fav.length)];
          item = categoryItems[k][sample(categoryCdf[k], rnd)];
          inTaste = true;
        } else {
          item = sample(itemCdf, rnd);
          inTaste = contains(fav, categoryOf[item]);
        }
        boolean rating = rnd.nextDouble() < RATING_SHARE;
        double value = Double.NaN;
        if (rating) {
          value = inTaste ? 3.5 + 0.5 * rnd.nextInt(4) : 0.5 + 0.5 * rnd.nextInt(10);
        }
        if (second < 0) {
          second = windowStartSecond + rnd.nextLong(windowSeconds);
        }
        sink.event(u, item, rating, value, second);
      }
    }
  }

  // ---------------------------------------------------------------- the other tables

  public static String userId(int user) {
    return "u" + user;
  }

  public static String itemId(int item) {
    return "i" + item;
  }

  public static String categoryName(int category) {
    return String.format(Locale.ROOT, "cat%03d", category);
  }

  /** A user's segment: their first favourite category, so cold-start means carry taste. */
  public String segmentOf(int user) {
    return "seg_" + categoryName(favourites(user)[0]);
  }

  /** About 1 item in 500 is unavailable. */
  public boolean available(int item) {
    return Long.remainderUnsigned(mix(spec.seed(), item, 4), 500) != 0;
  }

  /** About 1 item in 1000 is blocklisted. */
  public boolean blocked(int item) {
    return Long.remainderUnsigned(mix(spec.seed(), item, 5), 1000) == 0;
  }

  /** About 1 user in 2000 asked to be forgotten. */
  public boolean deleted(int user) {
    return Long.remainderUnsigned(mix(spec.seed(), user, 6), 2000) == 0;
  }

  /** Items were created before the window, spread over the preceding year. */
  public long createdSecond(int item) {
    return windowStartSecond - 1 - Long.remainderUnsigned(mix(spec.seed(), item, 7), 365L * 86_400L);
  }

  // ---------------------------------------------------------------- helpers

  /** Per-user event counts: log-normal weights scaled to sum to the total, at least 1 each. */
  private static long[] activity(GenerateSpec spec) {
    int users = spec.users();
    double[] w = new double[users];
    double total = 0;
    for (int u = 0; u < users; u++) {
      SplittableRandom rnd = new SplittableRandom(mix(spec.seed(), u, 1));
      w[u] = Math.exp(ACTIVITY_SIGMA * rnd.nextGaussian());
      total += w[u];
    }
    long extra = spec.events() - users;
    long[] start = new long[users + 1];
    double cumulative = 0;
    long assigned = 0;
    for (int u = 0; u < users; u++) {
      cumulative += w[u];
      long upTo = u == users - 1 ? extra : Math.min(extra, Math.round(extra * (cumulative / total)));
      start[u + 1] = start[u] + 1 + (upTo - assigned);
      assigned = upTo;
    }
    return start;
  }

  /** Index of the first cumulative weight above a uniform draw in (0, total]. */
  private static int sample(double[] cdf, SplittableRandom rnd) {
    double x = rnd.nextDouble() * cdf[cdf.length - 1];
    int i = Arrays.binarySearch(cdf, x);
    i = i >= 0 ? i + 1 : -i - 1;
    return Math.min(i, cdf.length - 1);
  }

  private static boolean contains(int[] values, int v) {
    for (int x : values) {
      if (x == v) {
        return true;
      }
    }
    return false;
  }

  /** A well-mixed 64-bit value of (seed, index, stream): independent random streams per purpose. */
  static long mix(long seed, long index, long stream) {
    long z = seed * 0x9E3779B97F4A7C15L + index * 0xC2B2AE3D27D4EB4FL + stream * 0x165667B19E3779F9L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
