package io.recsysnightly.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.recsysnightly.RecsysException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineConfigTest {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  @Test
  void layersDefaultsFileAndOverrides(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("c.properties");
    Files.writeString(file, "recsys.als.rank=16\nrecsys.als.alpha=3\n");
    PipelineConfig c = PipelineConfig.load(Optional.of(file), List.of("recsys.als.alpha=7.5"));
    assertEquals(16, c.get(ConfigKeys.ALS_RANK));
    assertEquals(7.5, c.get(ConfigKeys.ALS_ALPHA));
    assertEquals(15, c.get(ConfigKeys.ALS_MAX_ITER));
    assertEquals(Map.of("rating", 1.0, "tag", 0.5), c.get(ConfigKeys.EVENT_WEIGHTS));
  }

  @Test
  void unknownKeyIsNamed(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("c.properties");
    Files.writeString(file, "recsys.als.rnak=16\n");
    RecsysException e = assertThrows(RecsysException.class, () -> PipelineConfig.load(Optional.of(file), List.of()));
    assertEquals(2, e.exitCode());
    assertTrue(e.getMessage().contains("recsys.als.rnak"), e.getMessage());
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  @Test
  void badValuesNameKeyValueAndAllowed() {
    assertMessage("recsys.als.rank=-3", "recsys.als.rank", "'-3'", "an integer from 1 to 4096");
    assertMessage("recsys.als.confidence=cubic", "recsys.als.confidence", "'cubic'", "one of linear, log");
    assertMessage("recsys.split.holdout-fraction=1.5", "recsys.split.holdout-fraction", "'1.5'", "a number from");
    assertMessage("recsys.matrix.event-weights=view:0", "recsys.matrix.event-weights", "'view:0'", "weights > 0");
    assertMessage("recsys.run.date=2018-13-01", "recsys.run.date", "'2018-13-01'", "YYYY-MM-DD");
    assertMessage("recsys.eval.enabled=yes", "recsys.eval.enabled", "'yes'", "true or false");
  }

  @Test
  void crossKeyRulesAreChecked() {
    RecsysException e = assertThrows(RecsysException.class, () -> PipelineConfig.load(Optional.empty(),
        List.of("recsys.publish.list-size=50", "recsys.candidates.n=10")));
    assertTrue(e.getMessage().contains("recsys.publish.list-size"), e.getMessage());
    e = assertThrows(RecsysException.class,
        () -> PipelineConfig.load(Optional.empty(), List.of("recsys.split.mode=cutoff")));
    assertTrue(e.getMessage().contains("recsys.split.cutoff-date"), e.getMessage());
  }

  @Test
  void missingRunDateTellsWhatToDo() {
    RecsysException e = assertThrows(RecsysException.class, () -> PipelineConfig.defaults().runDate());
    assertEquals(2, e.exitCode());
    assertTrue(e.getMessage().contains("--date"), e.getMessage());
  }

  @Test
  void effectiveConfigRoundTripsAsAPropertiesFile(@TempDir Path dir) throws IOException {
    PipelineConfig c = PipelineConfig.load(Optional.empty(), List.of("recsys.als.rank=12", "recsys.run.date=2020-01-02"));
    Path file = dir.resolve("effective.properties");
    Files.writeString(file, c.toPropertiesText());
    PipelineConfig again = PipelineConfig.load(Optional.of(file), List.of());
    assertEquals(c.asMap(), again.asMap());
    assertEquals(LocalDate.of(2020, 1, 2), again.runDate());
  }

  @Test
  void relativeFoldersMeanTheConfFilesFolderOrTheWorkingDirectory(@TempDir Path dir) throws IOException {
    Path conf = dir.resolve("site/recsys.properties");
    Files.createDirectories(conf.getParent());
    Files.writeString(conf,
        "recsys.input.root=../data\nrecsys.output.root=hdfs:///pubs\nrecsys.work.root=/abs/work\n");
    PipelineConfig fromFile = PipelineConfig.load(Optional.of(conf), List.of());
    assertEquals(dir.resolve("data").toString(), fromFile.get(ConfigKeys.INPUT_ROOT));
    assertEquals("hdfs:///pubs", fromFile.get(ConfigKeys.OUTPUT_ROOT), "a URI is taken as it is");
    assertEquals("/abs/work", fromFile.get(ConfigKeys.WORK_ROOT), "an absolute path is taken as it is");

    PipelineConfig fromCommandLine = PipelineConfig.load(Optional.of(conf),
        List.of("recsys.input.root=in", "recsys.work.root="));
    assertEquals(Path.of("in").toAbsolutePath().toString(), fromCommandLine.get(ConfigKeys.INPUT_ROOT));
    assertEquals("", fromCommandLine.get(ConfigKeys.WORK_ROOT), "empty keeps meaning <output root>/_work");

    // The shipped file names the repository's sample and out/ from whichever directory it is loaded.
    PipelineConfig shipped = PipelineConfig.load(Optional.of(REPO.resolve("conf/recsys.properties")), List.of());
    assertEquals(REPO.resolve("data-samples").toString(), shipped.get(ConfigKeys.INPUT_ROOT));
    assertEquals(REPO.resolve("out").toString(), shipped.get(ConfigKeys.OUTPUT_ROOT));
  }

  @Test
  void shippedConfigDocumentsEveryKeyAndLoads() throws IOException {
    Path conf = REPO.resolve("conf/recsys.properties");
    String text = Files.readString(conf);
    Properties props = new Properties();
    props.load(Files.newBufferedReader(conf));
    for (ConfigKey<?> key : ConfigKeys.all()) {
      assertTrue(props.containsKey(key.name()), "conf/recsys.properties lacks " + key.name());
      assertTrue(text.contains("# " + key.doc() + "\n# Allowed: " + key.allowed() + ".\n" + key.name() + "="),
          "conf/recsys.properties lacks the doc or allowed values of " + key.name());
    }
    assertEquals(LocalDate.of(2018, 9, 25), PipelineConfig.load(Optional.of(conf), List.of()).runDate());
  }

  @Test
  void docsConfigurationTableMatchesTheDeclarations() throws IOException {
    String doc = Files.readString(REPO.resolve("docs/configuration.md"));
    assertTrue(doc.contains(ConfigDoc.markdownTable()),
        "docs/configuration.md's configuration table is out of date; replace it with:\n" + ConfigDoc.markdownTable());
  }

  private static void assertMessage(String override, String... parts) {
    RecsysException e = assertThrows(RecsysException.class,
        () -> PipelineConfig.load(Optional.empty(), List.of(override)));
    assertEquals(2, e.exitCode());
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should mention " + part);
    }
  }
}
