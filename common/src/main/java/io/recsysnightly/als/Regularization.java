package io.recsysnightly.als;

import java.io.Serializable;

/**
 * The weight of the unobserved cells and the per-row regularisation of implicit ALS, in one of two
 * forms: Spark MLlib's ALS-WR ({@code λ·n}, n the row's interactions) or the frequency-scaled form of
 * Rendle et al., "Revisiting the Performance of iALS on Item Recommendation Benchmarks" (RecSys 2022):
 * {@code λ·(n + α₀·N)^ν}, N the number of rows on the other side. In both, every unobserved cell weighs
 * α₀ (1 is Hu–Koren–Volinsky's and MLlib's objective) and an observed one {@code c = 1 + α·|r|}.
 *
 * @param frequencyScaled false: MLlib's λ·n; true: λ·(n + α₀·N)^ν
 * @param lambda λ
 * @param unobservedWeight α₀
 * @param exponent ν (frequency-scaled form only)
 */
public record Regularization(boolean frequencyScaled, double lambda, double unobservedWeight, double exponent)
    implements Serializable {
  public static final String MLLIB = "mllib";
  public static final String FREQUENCY = "frequency";

  public Regularization {
    if (!(lambda >= 0) || !(unobservedWeight > 0) || !(exponent >= 0)) {
      throw new IllegalArgumentException("lambda and exponent must be >= 0 and the unobserved weight > 0, got "
          + lambda + ", " + exponent + ", " + unobservedWeight);
    }
  }

  /** MLlib's objective (α₀ = 1, λ·n): what {@code ALS.fit} minimises. */
  public static Regularization mllib(double lambda) {
    return new Regularization(false, lambda, 1.0, 1.0);
  }

  /**
   * @param interactions n, the row's observed cells
   * @param otherSide N, the rows of the other side
   */
  public double of(int interactions, long otherSide) {
    return frequencyScaled ? lambda * Math.pow(interactions + unobservedWeight * otherSide, exponent)
        : lambda * interactions;
  }

  public String form() {
    return frequencyScaled ? FREQUENCY : MLLIB;
  }
}
