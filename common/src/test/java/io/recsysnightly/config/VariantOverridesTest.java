package io.recsysnightly.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.RecsysException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** recsys.experiment.variants and recsys.variant.NAME.KEY: a variant's configuration, and bad ones refused with exit 2. */
class VariantOverridesTest {
  private static final String VARIANTS = "recsys.experiment.variants=control:0.5,small:0.5";

  private static PipelineConfig load(String... overrides) {
    return PipelineConfig.load(Optional.empty(), List.of(overrides));
  }

  @Test
  void aVariantIsTheBaseWithItsOverridesAndNoExperiment() {
    PipelineConfig config = load(VARIANTS, "recsys.als.max-iter=7", "recsys.variant.small.recsys.als.rank=8",
        "recsys.variant.small.recsys.rerank.mmr-lambda=0.8");
    assertEquals(Map.of("control", 0.5, "small", 0.5), config.get(ConfigKeys.EXPERIMENT_VARIANTS));
    PipelineConfig small = config.variantConfig("small");
    assertEquals(8, small.get(ConfigKeys.ALS_RANK));
    assertEquals(0.8, small.get(ConfigKeys.MMR_LAMBDA));
    assertEquals(7, small.get(ConfigKeys.ALS_MAX_ITER), "the base's settings carry over");
    PipelineConfig control = config.variantConfig("control");
    assertEquals(64, control.get(ConfigKeys.ALS_RANK));
    // Exactly the configuration of a plain run with the same overrides, so the same model version.
    assertEquals(load("recsys.als.max-iter=7", "recsys.als.rank=8", "recsys.rerank.mmr-lambda=0.8")
        .toPropertiesText(), small.toPropertiesText());
    assertEquals(load("recsys.als.max-iter=7").toPropertiesText(), control.toPropertiesText());
    assertTrue(config.asMap().containsKey("recsys.variant.small.recsys.als.rank"), "the manifest records overrides");
  }

  @Test
  void badVariantKeysNameTheKeyAndWhatIsAllowed() {
    assertMessage(List.of(VARIANTS, "recsys.variant.other.recsys.als.rank=8"),
        "recsys.variant.other.recsys.als.rank", "'other'", "control, small");
    assertMessage(List.of("recsys.variant.small.recsys.als.rank=8"), "recsys.variant.small.recsys.als.rank", "none");
    assertMessage(List.of(VARIANTS, "recsys.variant.small.recsys.als.rnak=8"), "recsys.variant.small.recsys.als.rnak",
        "'recsys.als.rnak'", "conf/recsys.properties");
    assertMessage(List.of(VARIANTS, "recsys.variant.small.recsys.als.rank=0"), "recsys.variant.small.recsys.als.rank",
        "'0'", "an integer from 1 to 4096");
    assertMessage(List.of(VARIANTS, "recsys.variant.small.recsys.split.holdout-fraction=0.3"),
        "recsys.split.holdout-fraction", "cannot differ between variants");
    assertMessage(List.of(VARIANTS, "recsys.variant.small.recsys.eval.k=5"), "recsys.eval.k",
        "cannot differ between variants");
    assertMessage(List.of(VARIANTS, "recsys.variant.small.recsys.publish.list-size=500"), "Variant small",
        "recsys.publish.list-size");
  }

  @Test
  void badVariantListsAreRefused() {
    assertMessage(List.of("recsys.experiment.variants=control:0.5,control:0.5"), "recsys.experiment.variants",
        "appears twice");
    assertMessage(List.of("recsys.experiment.variants=a/b:1"), "recsys.experiment.variants", "letters, digits");
    assertMessage(List.of("recsys.experiment.variants=a:0"), "recsys.experiment.variants", "shares > 0");
  }

  private static void assertMessage(List<String> overrides, String... parts) {
    RecsysException e = assertThrows(RecsysException.class, () -> load(new ArrayList<>(overrides)
        .toArray(String[]::new)));
    assertEquals(2, e.exitCode());
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should mention " + part);
    }
  }
}
