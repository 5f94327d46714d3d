package io.recsysnightly.eval;

import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import java.io.Serializable;
import java.util.List;
import java.util.TreeSet;

/**
 * What an evaluation measures: the cut-offs K (sorted, distinct), the K of the headline figures and
 * the gate, and the training-interaction counts that split users into cold, light and heavy.
 */
public record EvalSpec(List<Integer> ks, int focusK, int lightFrom, int heavyFrom) implements Serializable {
  public static final String COLD = "cold";
  public static final String LIGHT = "light";
  public static final String HEAVY = "heavy";

  public EvalSpec {
    TreeSet<Integer> all = new TreeSet<>(ks);
    all.add(focusK);
    ks = List.copyOf(all);
  }

  public static EvalSpec from(PipelineConfig config) {
    List<Integer> t = config.get(ConfigKeys.ACTIVITY_THRESHOLDS);
    return new EvalSpec(config.get(ConfigKeys.EVAL_KS), config.get(ConfigKeys.EVAL_K), t.get(0), t.get(1));
  }

  public int maxK() {
    return ks.get(ks.size() - 1);
  }

  /** The activity bucket of a user with {@code n} training interactions. */
  public String bucket(long n) {
    return n < lightFrom ? COLD : n < heavyFrom ? LIGHT : HEAVY;
  }
}
