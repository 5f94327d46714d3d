package io.recsysnightly.io;

import io.recsysnightly.config.ConfigKeys;
import io.recsysnightly.config.PipelineConfig;
import java.time.LocalDate;
import org.apache.hadoop.fs.Path;

/**
 * Where each step of the run for date D reads and writes. Steps communicate only through these
 * paths, so each can run alone (spark-submit, Airflow task) or inside {@code nightly}.
 */
public final class RunPaths {
  private final Path inputRoot;
  private final Path outputRoot;
  private final Path workRoot;
  private final LocalDate date;
  /** The A/B variant whose model-dependent paths these are (under variant=NAME/); null: no experiment. */
  private final String variant;

  public RunPaths(PipelineConfig config, LocalDate date) {
    this.inputRoot = new Path(config.get(ConfigKeys.INPUT_ROOT));
    this.outputRoot = new Path(config.get(ConfigKeys.OUTPUT_ROOT));
    this.workRoot = workRoot(config);
    this.date = date;
    this.variant = null;
  }

  private RunPaths(RunPaths shared, String variant) {
    this.inputRoot = shared.inputRoot;
    this.outputRoot = shared.outputRoot;
    this.workRoot = shared.workRoot;
    this.date = shared.date;
    this.variant = variant;
  }

  /**
   * The paths of one variant: what depends on the model (factors, metrics, vectors, candidates, lists,
   * step reports) moves under {@code dt=D/variant=NAME/}; the matrix, holdout, entities and id maps are shared.
   */
  public RunPaths forVariant(String name) {
    return new RunPaths(this, name);
  }

  /** Where step outputs and persisted state live: {@code recsys.work.root}, else {@code <output>/_work}. */
  public static Path workRoot(PipelineConfig config) {
    String work = config.get(ConfigKeys.WORK_ROOT);
    return work.isEmpty() ? new Path(new Path(config.get(ConfigKeys.OUTPUT_ROOT)), "_work") : new Path(work);
  }

  /** The directory of the run for date {@code d} under {@code workRoot}. */
  public static Path runDir(Path workRoot, LocalDate d) {
    return new Path(workRoot, "dt=" + d);
  }

  public LocalDate date() {
    return date;
  }

  /** An input path from the configuration, resolved against the input root unless absolute. */
  public Path input(String configured) {
    Path p = new Path(configured);
    return p.isAbsolute() || p.toUri().getScheme() != null ? p : new Path(inputRoot, configured);
  }

  public Path outputRoot() {
    return outputRoot;
  }

  public Path workRoot() {
    return workRoot;
  }

  private Path runDir(LocalDate d) {
    return runDir(workRoot, d);
  }

  public Path runDir() {
    return runDir(date);
  }

  private Path modelDir(LocalDate d) {
    return variant == null ? runDir(d) : new Path(runDir(d), "variant=" + variant);
  }

  private Path modelDir() {
    return modelDir(date);
  }

  public Path matrixAll() {
    return new Path(runDir(), "matrix/all");
  }

  public Path matrixTrain() {
    return new Path(runDir(), "matrix/train");
  }

  public Path matrixHoldout() {
    return new Path(runDir(), "matrix/holdout");
  }

  public Path badRecords() {
    return new Path(runDir(), "bad_records");
  }

  /** Users (with segment) and items (with category, availability) known to this run, by index. */
  public Path userTable() {
    return new Path(runDir(), "entities/users");
  }

  public Path itemTable() {
    return new Path(runDir(), "entities/items");
  }

  public Path blockedItems() {
    return new Path(runDir(), "entities/blocked_items");
  }

  public Path userFactors(LocalDate trainDate) {
    return new Path(modelDir(trainDate), "factors/users");
  }

  public Path itemFactors(LocalDate trainDate) {
    return new Path(modelDir(trainDate), "factors/items");
  }

  /** The ALS parameters the train run of {@code trainDate} used (chosen by its nightly search, or configured). */
  public Path modelParams(LocalDate trainDate) {
    return new Path(modelDir(trainDate), "factors/params.properties");
  }

  public Path metricsJson() {
    return new Path(modelDir(), "metrics.json");
  }

  public Path userVectors() {
    return new Path(modelDir(), "vectors/users");
  }

  public Path itemVectors() {
    return new Path(modelDir(), "vectors/items");
  }

  public Path candidates() {
    return new Path(modelDir(), "candidates/users");
  }

  /** The lists to publish: the candidates after the re-rank step's rules, with reasons. */
  public Path rerankedLists() {
    return new Path(modelDir(), "rerank/users");
  }

  /** The segment starter lists after the same re-ranking rules as personal lists. */
  public Path rerankedSegmentLists() {
    return new Path(modelDir(), "rerank/segments");
  }

  public Path similarItems() {
    return new Path(modelDir(), "candidates/similar_items");
  }

  /** Starter lists per user segment (see knn.StarterLists). */
  public Path segmentLists() {
    return new Path(modelDir(), "candidates/segments");
  }

  /** Popular-and-relevant items per item category. */
  public Path categoryLists() {
    return new Path(modelDir(), "candidates/categories");
  }

  /** Malformed event rows the intraday refresh met since the publication of this date. */
  public Path refreshBadRecords() {
    return new Path(runDir(), "refresh/bad_records");
  }

  /** Per-step results (counts, timings) that publish gathers into the manifest. */
  public Path stepReport(String step) {
    return new Path(modelDir(), "steps/" + step + ".json");
  }

  public Path checkpointDir() {
    return new Path(workRoot, "_checkpoints");
  }

  /** Id dictionaries live outside the dated runs: they persist and grow across nights. */
  public Path idMapRoot(String entity) {
    return idMapRoot(workRoot, entity);
  }

  public static Path idMapRoot(Path workRoot, String entity) {
    return new Path(workRoot, "state/id_maps/" + entity);
  }

  public Path publication(LocalDate d) {
    return new Path(outputRoot, "dt=" + d);
  }

  public Path publication() {
    return publication(date);
  }

  public Path staging() {
    return new Path(outputRoot, "_staging");
  }

  public Path latestPointer() {
    return new Path(outputRoot, "LATEST");
  }
}
