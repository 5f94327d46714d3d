package io.recsysnightly.bench;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Factor tables for the benchmark, generated on the driver from a seed: the same for both systems
 * and every run.
 *
 * <ul>
 *   <li>{@code gaussian}: every coordinate N(0, 1). No structure at all: the worst case for the
 *       approximate mode, and the neutral case for the exact kernels (whose cost does not depend on
 *       the values).
 *   <li>{@code planted}: what implicit ALS produces on data like {@code generate}'s: items belong to
 *       one of 64 latent categories (item vector = category centre + noise), popular items have longer
 *       vectors (norm grows with popularity rank^-0.25), and each user is a mix of 1 to 3 favourite
 *       categories plus noise.
 * </ul>
 */
public final class BenchFactors {
  private static final int CATEGORIES = 64;

  public enum Kind {
    GAUSSIAN,
    PLANTED;

    public static Kind parse(String name) {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    }

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private BenchFactors() {}

  /** Row-major {@code users x rank} user vectors. */
  public static float[] users(Kind kind, int users, int rank, long seed) {
    float[] out = new float[users * rank];
    float[] centres = kind == Kind.PLANTED ? centres(rank, seed) : null;
    for (int u = 0; u < users; u++) {
      SplittableRandom rnd = new SplittableRandom(seed * 31 + 1_000_003L * u + 1);
      if (kind == Kind.GAUSSIAN) {
        for (int f = 0; f < rank; f++) {
          out[u * rank + f] = (float) rnd.nextGaussian();
        }
        continue;
      }
      int k = 1 + rnd.nextInt(3);
      for (int j = 0; j < k; j++) {
        int c = rnd.nextInt(CATEGORIES);
        for (int f = 0; f < rank; f++) {
          out[u * rank + f] += centres[c * rank + f] / k;
        }
      }
      for (int f = 0; f < rank; f++) {
        out[u * rank + f] += (float) (0.35 * rnd.nextGaussian() / Math.sqrt(rank));
      }
    }
    return out;
  }

  /** Row-major {@code items x rank} item vectors; item i has popularity rank i + 1. */
  public static float[] items(Kind kind, int items, int rank, long seed) {
    float[] out = new float[items * rank];
    float[] centres = kind == Kind.PLANTED ? centres(rank, seed) : null;
    for (int i = 0; i < items; i++) {
      SplittableRandom rnd = new SplittableRandom(seed * 37 + 2_000_003L * i + 2);
      if (kind == Kind.GAUSSIAN) {
        for (int f = 0; f < rank; f++) {
          out[i * rank + f] = (float) rnd.nextGaussian();
        }
        continue;
      }
      int c = rnd.nextInt(CATEGORIES);
      double scale = Math.pow(i + 1, -0.25) * 4;
      for (int f = 0; f < rank; f++) {
        double v = centres[c * rank + f] + 0.35 * rnd.nextGaussian() / Math.sqrt(rank);
        out[i * rank + f] = (float) (scale * v);
      }
    }
    return out;
  }

  /** Category centres: random directions of unit length. */
  private static float[] centres(int rank, long seed) {
    float[] c = new float[CATEGORIES * rank];
    SplittableRandom rnd = new SplittableRandom(seed * 41 + 3);
    for (int k = 0; k < CATEGORIES; k++) {
      double norm = 0;
      for (int f = 0; f < rank; f++) {
        double g = rnd.nextGaussian();
        c[k * rank + f] = (float) g;
        norm += g * g;
      }
      for (int f = 0; f < rank; f++) {
        c[k * rank + f] /= (float) Math.sqrt(norm);
      }
    }
    return c;
  }
}
