package io.recsysnightly.rerank;

import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import java.io.Serializable;

/**
 * The re-ranking rules of one run, each off at its neutral value: {@code mmrLambda} 1, {@code
 * categoryCap} 0, {@code freshnessWeight} 0, {@code popularityBeta} 0.
 */
public record RerankRules(int listSize, double mmrLambda, int categoryCap, double freshnessWeight,
    double freshnessHalfLifeDays, double popularityBeta) implements Serializable {

  public static RerankRules from(PipelineConfig config) {
    return new RerankRules(config.get(ConfigKeys.LIST_SIZE), config.get(ConfigKeys.MMR_LAMBDA),
        config.get(ConfigKeys.CATEGORY_CAP), config.get(ConfigKeys.FRESHNESS_WEIGHT),
        config.get(ConfigKeys.FRESHNESS_HALF_LIFE_DAYS), config.get(ConfigKeys.POPULARITY_BETA));
  }

  public boolean diversifies() {
    return mmrLambda < 1;
  }
}
