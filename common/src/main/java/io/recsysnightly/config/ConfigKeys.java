package io.recsysnightly.config;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Every configuration key of the pipeline, declared once with its default, allowed values and doc.
 * The configuration table of {@code docs/configuration.md} and {@code conf/recsys.properties} are checked
 * against this list.
 */
public final class ConfigKeys {
  private static final List<ConfigKey<?>> ALL = new ArrayList<>();

  // ---- run and paths
  public static final ConfigKey<Optional<LocalDate>> RUN_DATE = optionalDate("recsys.run.date", "",
      "Run date D (UTC): events up to the end of D count and decay is measured from it; --date overrides.");
  public static final ConfigKey<String> INPUT_ROOT = string("recsys.input.root", "data-samples",
      "Folder the input paths below are relative to. Itself, if relative: to the folder of the --conf file "
      + "that sets it, else to the working directory (absolute paths and URIs are taken as they are).");
  public static final ConfigKey<String> INPUT_EVENTS = string("recsys.input.events", "events.csv",
      "Interaction events: user_id, item_id, event_type, event_ts, value (optional).");
  public static final ConfigKey<String> INPUT_ITEMS = string("recsys.input.items", "items.csv",
      "Item catalogue: item_id, category, created_ts (optional), available (optional). Empty: none.");
  public static final ConfigKey<String> INPUT_USERS = string("recsys.input.users", "users.csv",
      "Users: user_id, segment. Empty: none.");
  public static final ConfigKey<String> INPUT_DELETIONS = string("recsys.input.deletions", "deletions.csv",
      "Users to forget: user_id. Empty: none.");
  public static final ConfigKey<String> INPUT_BLOCKLIST = string("recsys.input.blocklist", "blocklist.csv",
      "Items never recommended: item_id. Empty: none.");
  public static final ConfigKey<String> INPUT_FORMAT = oneOf("recsys.input.format", "auto",
      "File format of every input; auto picks by extension (.csv, .parquet, .json/.jsonl, .gz allowed).",
      "auto", "csv", "parquet", "json");
  public static final ConfigKey<String> OUTPUT_ROOT = string("recsys.output.root", "out",
      "Where publications go: <root>/dt=D/..., <root>/LATEST. Relative: as recsys.input.root.");
  public static final ConfigKey<String> WORK_ROOT = string("recsys.work.root", "",
      "Working directory of the steps (matrix, factors, candidates, id maps). Empty: <output root>/_work. "
      + "Relative: as recsys.input.root.");
  /**
   * The folder keys: a relative value resolves against the folder of the configuration file that sets
   * it (so a file and its data move together), or against the working directory when it comes from
   * the command line (--input, --set), so paths mean what they say wherever the command is run from.
   */
  public static final List<ConfigKey<String>> PATH_KEYS = List.of(INPUT_ROOT, OUTPUT_ROOT, WORK_ROOT);

  // ---- build-matrix
  public static final ConfigKey<Map<String, Double>> EVENT_WEIGHTS = weights("recsys.matrix.event-weights",
      "rating:1.0,tag:0.5",
      "Weight of each event type, as type:weight pairs; events of other types are bad records.");
  public static final ConfigKey<String> VALUE_TRANSFORM = oneOf("recsys.matrix.value-transform", "none",
      "f(value) in the strength: none (1), linear (value), log1p (ln(1+value)); a missing value counts 1.",
      "none", "linear", "log1p");
  public static final ConfigKey<Double> HALF_LIFE_DAYS = doubleIn("recsys.matrix.half-life-days", "0", 0, 1e6,
      "Time decay 2^(-age/half-life) of each event, age measured from the end of D; 0 turns decay off.");
  public static final ConfigKey<Integer> LOOKBACK_DAYS = intIn("recsys.matrix.lookback-days", "0", 0, 100_000,
      "Only events of the last N days count; 0: all of them.");
  public static final ConfigKey<Integer> MAX_EVENTS_PER_USER = intIn("recsys.matrix.max-events-per-user",
      "5000", 1, Integer.MAX_VALUE, "Skew guard: a user's most recent N events are kept, older ones dropped.");
  public static final ConfigKey<Double> MAX_STRENGTH = doubleIn("recsys.matrix.max-strength", "100", 1e-9, 1e12,
      "Cap on the strength of one (user, item) pair.");
  public static final ConfigKey<Double> MAX_BAD_SHARE = doubleIn("recsys.matrix.max-bad-share", "0.01", 0, 1,
      "The run fails (exit 3) when more than this share of event rows is malformed.");
  public static final ConfigKey<String> SPLIT_MODE = oneOf("recsys.split.mode", "per-user",
      "Holdout: per-user (each user's most recent fraction) or cutoff (all interactions after a date).",
      "per-user", "cutoff");
  public static final ConfigKey<Double> HOLDOUT_FRACTION = doubleIn("recsys.split.holdout-fraction", "0.2",
      0.01, 0.99, "per-user split: share of each user's most recent interactions held out.");
  public static final ConfigKey<Integer> MIN_INTERACTIONS = intIn("recsys.split.min-interactions", "5", 2,
      1_000_000, "per-user split: users with fewer interactions stay wholly in training.");
  public static final ConfigKey<Optional<LocalDate>> CUTOFF_DATE = optionalDate("recsys.split.cutoff-date", "",
      "cutoff split: interactions last seen after the end of this date are held out.");

  // ---- train
  public static final ConfigKey<String> ALS_SOLVER = oneOf("recsys.als.solver", "native",
      "Implicit-ALS solver: native (ours: Gram trick, conjugate gradient or Cholesky, warm start) or mllib "
          + "(Spark's ALS.fit; no warm start, mllib regularisation only).", "native", "mllib");
  public static final ConfigKey<Integer> ALS_RANK = intIn("recsys.als.rank", "64", 1, 4096,
      "Number of latent factors.");
  public static final ConfigKey<Double> ALS_REG = doubleIn("recsys.als.reg-param", "0.1", 0, 1e6,
      "Regularisation lambda; how it scales per user (item) is recsys.als.regularization.");
  public static final ConfigKey<String> ALS_REGULARIZATION = oneOf("recsys.als.regularization", "mllib",
      "Per-row regularisation: mllib (lambda * n, n the row's interactions, as Spark) or frequency "
          + "(lambda * (n + alpha0 * N)^nu, N the rows of the other side; Rendle et al., RecSys 2022).",
      "mllib", "frequency");
  public static final ConfigKey<Double> ALS_UNOBSERVED_WEIGHT = doubleIn("recsys.als.unobserved-weight", "1",
      1e-9, 1e6, "alpha0: weight of every unobserved (user, item) cell; 1 is Hu-Koren-Volinsky's objective (native).");
  public static final ConfigKey<Double> ALS_REG_EXPONENT = doubleIn("recsys.als.reg-exponent", "1", 0, 10,
      "nu of the frequency regularisation; 0 gives an unscaled lambda as the implicit library's.");
  public static final ConfigKey<String> ALS_SOLVE = oneOf("recsys.als.solve", "cg",
      "native: how each row is solved: cg (recsys.als.cg-steps conjugate-gradient steps from the current "
          + "vector) or cholesky (exact).", "cg", "cholesky");
  public static final ConfigKey<Integer> ALS_CG_STEPS = intIn("recsys.als.cg-steps", "3", 1, 1000,
      "native, cg: conjugate-gradient steps per row and half-sweep.");
  public static final ConfigKey<Integer> ALS_BROADCAST_BUDGET_MB = intIn("recsys.als.broadcast-budget-mb", "256", 0,
      1_000_000, "native: the fixed side's factors are broadcast while they take at most this much; larger, they "
          + "are shipped block-wise to the partitions that need them.");
  public static final ConfigKey<Integer> ALS_ONE_TASK_MAX_INTERACTIONS = intIn("recsys.als.one-task-max-interactions",
      "1000000", 0, Integer.MAX_VALUE, "native: a fit of at most this many interactions (both sides within the "
          + "broadcast budget) runs all its sweeps in one Spark task on one executor's cores, the same arithmetic "
          + "without two jobs per sweep; 0: every fit is distributed.");
  public static final ConfigKey<Boolean> ALS_WARM_START = bool("recsys.als.warm-start", "false",
      "native: train's final fit starts from the factors of the newest earlier train run in the work root (ids "
          + "matched through the stable id maps; new ids start as usual); the evaluation fit stays cold.");
  public static final ConfigKey<Integer> ALS_WARM_SWEEPS = intIn("recsys.als.warm-sweeps", "5", 1, 1000,
      "native: sweeps of train's final fit when it starts from factors (the previous run's with "
          + "recsys.als.warm-start, else the evaluation fit's), at most recsys.als.max-iter; "
          + "bench --stage train --warm-start measures how many reach a cold fit's objective.");
  public static final ConfigKey<Double> ALS_ALPHA = doubleIn("recsys.als.alpha", "1", 0, 1e9,
      "Confidence slope: c = 1 + alpha * r, r after the confidence transform.");
  public static final ConfigKey<Boolean> ALS_PARAMS_FROM_DATA = bool("recsys.als.params-from-data", "true",
      "train replaces recsys.als.alpha, reg-param and the regularisation keys by values derived from the training "
          + "part: alpha from its density and mean rating, an unscaled lambda (frequency, nu 0) equal to the mean "
          + "confidence per row (docs/quality.md). They are what train fits with when recsys.tune.nightly=false, and "
          + "the point the nightly search starts from. false: the configured values as they are.");
  public static final ConfigKey<String> CONFIDENCE = oneOf("recsys.als.confidence", "linear",
      "Transform of the strength r given to ALS: linear (r) or log (ln(1 + r/epsilon)).", "linear", "log");
  public static final ConfigKey<Double> LOG_EPSILON = doubleIn("recsys.als.log-epsilon", "1", 1e-9, 1e9,
      "epsilon of the log confidence transform.");
  public static final ConfigKey<Integer> ALS_MAX_ITER = intIn("recsys.als.max-iter", "15", 1, 1000,
      "ALS sweeps.");
  public static final ConfigKey<Integer> ALS_BLOCKS = intIn("recsys.als.num-blocks", "2", 1, 100_000,
      "User and item blocks of ALS (parallelism of each sweep).");
  public static final ConfigKey<Integer> ALS_CHECKPOINT_INTERVAL = intIn("recsys.als.checkpoint-interval", "5", 1,
      1000, "Checkpoint every N sweeps (keeps the lineage short; the checkpoint dir is always set).");
  public static final ConfigKey<Long> SEED = longKey("recsys.seed", "42",
      "Seed of every random choice (ALS initialisation).");
  public static final ConfigKey<Boolean> EVALUATE = bool("recsys.eval.enabled", "true",
      "Fit a second model on the training part and evaluate it on the holdout.");
  public static final ConfigKey<Integer> EVAL_MAX_USERS = intIn("recsys.eval.max-users", "20000", 100,
      Integer.MAX_VALUE, "Held-out users the evaluation scores, at most (a fixed sample by a seeded hash of the id; "
          + "metrics.json records how many of how many).");
  public static final ConfigKey<Integer> EVAL_K = intIn("recsys.eval.k", "10", 1, 10_000,
      "K of Precision@K, Recall@K, NDCG@K, MAP@K and of the quality gate.");
  public static final ConfigKey<List<Integer>> EVAL_KS = intList("recsys.eval.ks", "5,10,20,50", 1, 10_000,
      "Cut-offs K at which every ranking metric is reported (the gate's recsys.eval.k is always added).");
  public static final ConfigKey<List<Integer>> ACTIVITY_THRESHOLDS = intList("recsys.eval.activity-thresholds",
      "20,100", 1, 1_000_000, "Two training-interaction counts a,b: users below a are cold, below b light, "
          + "others heavy (NDCG per activity bucket).");
  public static final ConfigKey<Double> POPULARITY_HALF_LIFE_DAYS = doubleIn(
      "recsys.eval.popularity-half-life-days", "365", 0, 1e6,
      "Half-life of the time-decayed most-popular baseline (each training pair weighs 2^(-age/half-life)).");
  public static final ConfigKey<Boolean> ITEM_KNN = bool("recsys.eval.item-knn", "true",
      "Also evaluate the item-kNN baseline (cosine item-item); skipped when users x items exceeds 2e7 (its dense item vectors cost that many floats).");
  public static final ConfigKey<Boolean> FORWARD_CHECK = bool("recsys.eval.forward-check", "true",
      "Score the lists of the publication LATEST named before this run against the new items their users "
          + "interacted with since (metrics.json's forward section).");
  public static final ConfigKey<Integer> REPORT_HISTORY_NIGHTS = intIn("recsys.report.history-nights", "14", 1, 1000,
      "Publications the run report's trend plot and table cover, this run included (earlier dates, newest kept).");
  public static final ConfigKey<Integer> DRIFT_HISTORY_NIGHTS = intIn("recsys.drift.history-nights", "7", 1, 1000,
      "Earlier publications whose median the input drift measures and the gate's history rules compare tonight with.");
  public static final ConfigKey<Double> DRIFT_WARN_FACTOR = doubleIn("recsys.drift.warn-factor", "2", 1, 1e6,
      "build-matrix warns when an input measure is more than this factor above or below its trailing median.");
  public static final ConfigKey<Boolean> EVAL_RERANK_TRADEOFFS = bool("recsys.eval.rerank-tradeoffs", "false",
      "Also evaluate ALS's lists re-ranked with each rule off and at two settings (10 more evaluations); the run "
          + "report then plots them. evaluate --rerank-tradeoffs does the same.");

  // ---- tune
  public static final ConfigKey<Boolean> TUNE_NIGHTLY = bool("recsys.tune.nightly", "true",
      "train chooses recsys.als.rank, reg-param, alpha and the regularisation form by a search on a validation split "
          + "carved from the training part (native solver), started from the configured values and last night's "
          + "choice; cold-start, refresh and the manifest use the choice.");
  public static final ConfigKey<Integer> TUNE_BUDGET_SECONDS = intIn("recsys.tune.budget-seconds", "240", 1,
      1_000_000, "Time budget of train's nightly search; it also stops after recsys.tune.trials fits (a search "
          + "stopped by time says so, as its result may then depend on the machine's speed).");
  public static final ConfigKey<Double> TUNE_KEEP_MARGIN = doubleIn("recsys.tune.keep-margin", "0.01", 0, 10,
      "train's nightly search keeps last night's parameters unless its best point beats them on validation NDCG "
          + "by more than this share (0.01: 1%): a rank or regularisation that wins by noise would otherwise change "
          + "the embeddings' space from one night to the next. 0: always take the best point.");
  public static final ConfigKey<Integer> TUNE_SWEEPS = intIn("recsys.tune.sweeps", "6", 1, 1000,
      "Sweeps of each fit of train's nightly search (the final fit makes recsys.als.max-iter): the ranking of the "
          + "points settles long before the factors converge.");
  public static final ConfigKey<Integer> TUNE_VALIDATION_USERS = intIn("recsys.tune.validation-users", "20000", 100,
      Integer.MAX_VALUE, "Validation users each search point is scored on, at most (a sample by a hash of the id, "
          + "the same for every point); the fits still use every user.");
  public static final ConfigKey<String> TUNE_MODE = oneOf("recsys.tune.mode", "random",
      "Search: grid (every combination; fails if more than recsys.tune.trials) or random (that many draws).",
      "grid", "random");
  public static final ConfigKey<Integer> TUNE_TRIALS = intIn("recsys.tune.trials", "24", 1, 10_000,
      "Budget: number of ALS fits the search may make.");
  public static final ConfigKey<List<Integer>> TUNE_RANKS = intList("recsys.tune.ranks", "16,32,64,128", 1, 4096,
      "Values of recsys.als.rank to try.");
  public static final ConfigKey<List<Double>> TUNE_REGS = doubleList("recsys.tune.reg-params", "0.01,0.05,0.1,0.5",
      0, 1e6, "Values of recsys.als.reg-param to try.");
  public static final ConfigKey<List<Double>> TUNE_ALPHAS = doubleList("recsys.tune.alphas", "1,5,10,20,40", 0, 1e9,
      "Values of recsys.als.alpha to try.");
  public static final ConfigKey<List<String>> TUNE_CONFIDENCES = stringList("recsys.tune.confidences", "linear,log",
      List.of("linear", "log"), "Values of recsys.als.confidence to try.");
  public static final ConfigKey<List<Double>> TUNE_HALF_LIVES = doubleList("recsys.tune.half-lives", "0", 0, 1e6,
      "Values of recsys.matrix.half-life-days to try (each distinct value rebuilds the matrix once).");
  public static final ConfigKey<Double> TUNE_VALIDATION_FRACTION = doubleIn("recsys.tune.validation-fraction", "0.2",
      0.01, 0.99, "Share of each training user's most recent training interactions used for validation.");

  // ---- cold-start
  public static final ConfigKey<Optional<LocalDate>> FACTORS_DATE = optionalDate("recsys.coldstart.factors-date",
      "", "Date of the train run whose factors cold-start uses (e.g. a weekly training); empty: the run date. "
          + "Users with events after it are folded in.");

  // ---- candidates and publish
  public static final ConfigKey<Integer> CANDIDATES_N = intIn("recsys.candidates.n", "100", 1, 10_000,
      "Candidates kept per user by the exact top-N; rerank picks the published list from them, so 5x the list "
          + "size by default: room for MMR, a category cap and the blocklist to choose from.");
  public static final ConfigKey<Integer> BLOCK_SIZE = intIn("recsys.candidates.block-size", "1024", 1, 65_536,
      "Users scored together in one matrix product.");
  public static final ConfigKey<String> CANDIDATES_MODE = oneOf("recsys.candidates.mode", "exact",
      "exact scores every item; approximate (IVF) scores only the items of each user's best k-means clusters.",
      "exact", "approximate");
  public static final ConfigKey<String> CANDIDATES_KERNEL = oneOf("recsys.candidates.kernel", "auto",
      "Scoring kernel: vector (jdk.incubator.vector, selection fused in), sgemm (netlib), auto (vector if loaded).",
      "auto", "vector", "sgemm");
  public static final ConfigKey<Integer> BROADCAST_BUDGET_MB = intIn("recsys.candidates.broadcast-budget-mb", "256",
      1, 1_000_000, "Largest item matrix broadcast whole; a larger one is scored in item blocks, lists merged.");
  public static final ConfigKey<Integer> IVF_CLUSTERS = intIn("recsys.candidates.ivf.clusters", "0", 0, 1_000_000,
      "approximate: k-means clusters of the item vectors; 0: the square root of the number of items.");
  public static final ConfigKey<Integer> IVF_PROBES = intIn("recsys.candidates.ivf.probes", "0", 0, 1_000_000,
      "approximate: clusters each user scores; 0: the fewest reaching the target recall on a sample of users.");
  public static final ConfigKey<Double> IVF_TARGET_RECALL = doubleIn("recsys.candidates.ivf.target-recall", "0.95",
      0, 1, "approximate: Recall@N against exact, measured on a sample of users, that the probes must reach.");
  public static final ConfigKey<String> CANDIDATES_SCORING = oneOf("recsys.candidates.scoring", "dot",
      "How a user vector scores items, for personal and starter lists and the evaluation: dot (the ALS "
          + "prediction) or cosine (item vectors normalised; less pull towards popular items).", "dot", "cosine");
  public static final ConfigKey<Integer> SIMILAR_M = intIn("recsys.similar.m", "20", 1, 10_000,
      "Similar items kept per item.");
  public static final ConfigKey<String> SIMILAR_SCORING = oneOf("recsys.similar.scoring", "cosine",
      "How similar items are scored: cosine of the item vectors, or their dot product.", "cosine", "dot");
  public static final ConfigKey<Integer> LIST_SIZE = intIn("recsys.publish.list-size", "20", 1, 10_000,
      "Length of each published recommendation list (at most recsys.candidates.n).");

  // ---- rerank
  public static final ConfigKey<Double> MMR_LAMBDA = doubleIn("recsys.rerank.mmr-lambda", "1", 0, 1,
      "Diversity by maximal marginal relevance: lambda * score - (1 - lambda) * max cosine to items above; 1: off.");
  public static final ConfigKey<Integer> CATEGORY_CAP = intIn("recsys.rerank.category-cap", "0", 0, 10_000,
      "At most this many items of one category per list (the list may come out shorter); 0: off.");
  public static final ConfigKey<Double> FRESHNESS_WEIGHT = doubleIn("recsys.rerank.freshness-weight", "0.1", 0, 1e6,
      "Adds weight * 2^(-age/half-life) to the score, age = days from the item's created_ts to the end of D "
          + "(no created_ts: no boost); 0: off.");
  public static final ConfigKey<Double> FRESHNESS_HALF_LIFE_DAYS = doubleIn("recsys.rerank.freshness-half-life-days",
      "365", 0.001, 1e6, "Half-life of the freshness boost, in days.");
  public static final ConfigKey<Double> POPULARITY_BETA = doubleIn("recsys.rerank.popularity-beta", "0.01", 0, 1e6,
      "Popularity de-biasing: subtracts beta * ln(1 + popularity), popularity = the item's users in the matrix; 0: off.");
  public static final ConfigKey<Double> BLOOM_FPP = doubleIn("recsys.rerank.blocklist-fpp", "0.001", 1e-9, 0.5,
      "False-positive rate the blocklist's Bloom filter is sized for (a false positive drops a good item; "
          + "a blocked item never passes). The run reports the rate it measured.");

  public static final ConfigKey<Boolean> GATE_BEAT_BASELINE = bool("recsys.gate.require-beat-baseline", "true",
      "Refuse publication (exit 4) when ALS's NDCG@K is below the popularity baseline's.");
  public static final ConfigKey<Double> GATE_MIN_USER_SHARE = doubleIn("recsys.gate.min-user-share", "0.95", 0, 1,
      "Refuse publication when fewer than this share of known users get a list.");
  public static final ConfigKey<Double> GATE_MAX_METRIC_DROP = doubleIn("recsys.gate.max-metric-drop", "0.1", 0, 1,
      "Refuse publication when NDCG@K falls by more than this fraction below the run LATEST points at.");
  public static final ConfigKey<Double> GATE_MIN_VOLUME_RATIO = doubleIn("recsys.gate.min-volume-ratio", "0", 0, 1,
      "Refuse publication when the run date's events are fewer than this fraction of their median over the last "
          + "recsys.drift.history-nights publications (a half-landed input); 0 turns the rule off.");
  public static final ConfigKey<Double> GATE_MIN_FORWARD_RATIO = doubleIn("recsys.gate.min-forward-ratio", "0", 0, 1,
      "Refuse publication when the forward check's NDCG@K (personal lists as served) is below this fraction of its "
          + "median over the last recsys.drift.history-nights publications; 0 turns the rule off.");
  public static final ConfigKey<Double> GATE_MAX_ROW_DROP = doubleIn("recsys.gate.max-row-drop", "0.5", 0, 1,
      "Refuse publication when the recommendations have more than this fraction fewer rows than LATEST's.");

  // ---- A/B experiment
  public static final ConfigKey<Map<String, Double>> EXPERIMENT_VARIANTS = variantShares("recsys.experiment.variants",
      "", "A/B variants as name:share pairs (e.g. control:0.5,rank32:0.5): each is trained, evaluated, gated and "
          + "published under variant=NAME/, each user assigned to one by a stable hash. Empty: no experiment.");
  public static final ConfigKey<String> EXPERIMENT_SALT = string("recsys.experiment.salt", "1",
      "Salt of the user-to-variant hash; a new salt reshuffles every user.");
  /** Per-variant overrides: recsys.variant.NAME.KEY=value, KEY any key a variant may change. */
  public static final String VARIANT_PREFIX = "recsys.variant.";

  // ---- operations
  public static final ConfigKey<Double> LOCK_MAX_AGE_HOURS = doubleIn("recsys.lock.max-age-hours", "24", 0.001,
      1e6, "A lock on the output root older than this is stale and taken over (a dead owner on this host is "
          + "taken over at once).");
  public static final ConfigKey<Integer> KEEP_PUBLICATIONS = intIn("recsys.retention.keep-publications", "14", 1,
      100_000, "prune keeps this many newest complete publications (and the one LATEST names); older ones go with "
          + "their refresh deltas, refused runs, work directories and id-map versions no kept run needs.");

  private ConfigKeys() {}

  public static List<ConfigKey<?>> all() {
    return Collections.unmodifiableList(ALL);
  }

  private static <T> ConfigKey<T> add(ConfigKey<T> key) {
    ALL.add(key);
    return key;
  }

  private static ConfigKey<String> string(String name, String dflt, String doc) {
    return add(new ConfigKey<>(name, dflt, "a path or text", doc, s -> s));
  }

  private static ConfigKey<String> oneOf(String name, String dflt, String doc, String... values) {
    List<String> allowed = Arrays.asList(values);
    return add(new ConfigKey<>(name, dflt, "one of " + String.join(", ", values), doc, s -> {
      String v = s.toLowerCase(Locale.ROOT);
      if (!allowed.contains(v)) {
        throw new IllegalArgumentException();
      }
      return v;
    }));
  }

  private static ConfigKey<Integer> intIn(String name, String dflt, int min, int max, String doc) {
    String allowed = "an integer from " + min + (max == Integer.MAX_VALUE ? " up" : " to " + max);
    return add(new ConfigKey<>(name, dflt, allowed, doc, s -> {
      int v = Integer.parseInt(s);
      if (v < min || v > max) {
        throw new IllegalArgumentException();
      }
      return v;
    }));
  }

  private static ConfigKey<Long> longKey(String name, String dflt, String doc) {
    return add(new ConfigKey<>(name, dflt, "an integer", doc, Long::parseLong));
  }

  private static ConfigKey<Double> doubleIn(String name, String dflt, double min, double max, String doc) {
    return add(new ConfigKey<>(name, dflt, "a number from " + min + " to " + max, doc, s -> {
      double v = Double.parseDouble(s);
      if (!(v >= min && v <= max)) {
        throw new IllegalArgumentException();
      }
      return v;
    }));
  }

  private static ConfigKey<Boolean> bool(String name, String dflt, String doc) {
    return add(new ConfigKey<>(name, dflt, "true or false", doc, s -> {
      if (!s.equalsIgnoreCase("true") && !s.equalsIgnoreCase("false")) {
        throw new IllegalArgumentException();
      }
      return Boolean.parseBoolean(s);
    }));
  }

  private static ConfigKey<List<Integer>> intList(String name, String dflt, int min, int max, String doc) {
    return add(new ConfigKey<>(name, dflt, "comma-separated integers from " + min + " to " + max, doc, s -> {
      List<Integer> out = new ArrayList<>();
      for (String part : s.split(",")) {
        int v = Integer.parseInt(part.trim());
        if (v < min || v > max) {
          throw new IllegalArgumentException();
        }
        out.add(v);
      }
      return List.copyOf(out);
    }));
  }

  private static ConfigKey<List<Double>> doubleList(String name, String dflt, double min, double max, String doc) {
    return add(new ConfigKey<>(name, dflt, "comma-separated numbers from " + min + " to " + max, doc, s -> {
      List<Double> out = new ArrayList<>();
      for (String part : s.split(",")) {
        double v = Double.parseDouble(part.trim());
        if (!(v >= min && v <= max)) {
          throw new IllegalArgumentException();
        }
        out.add(v);
      }
      return List.copyOf(out);
    }));
  }

  private static ConfigKey<List<String>> stringList(String name, String dflt, List<String> allowed, String doc) {
    return add(new ConfigKey<>(name, dflt, "comma-separated, each one of " + String.join(", ", allowed), doc, s -> {
      List<String> out = new ArrayList<>();
      for (String part : s.split(",")) {
        String v = part.trim().toLowerCase(Locale.ROOT);
        if (!allowed.contains(v)) {
          throw new IllegalArgumentException();
        }
        out.add(v);
      }
      return List.copyOf(out);
    }));
  }

  private static ConfigKey<Optional<LocalDate>> optionalDate(String name, String dflt, String doc) {
    return add(new ConfigKey<>(name, dflt, "a date YYYY-MM-DD, or empty", doc, s -> {
      if (s.isEmpty()) {
        return Optional.empty();
      }
      try {
        return Optional.of(LocalDate.parse(s));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException();
      }
    }));
  }

  private static ConfigKey<Map<String, Double>> weights(String name, String dflt, String doc) {
    return add(new ConfigKey<>(name, dflt, "comma-separated type:weight pairs with weights > 0", doc,
        s -> positivePairs(s, "type:weight")));
  }

  /** Variant names end up in paths (variant=NAME) and in keys (recsys.variant.NAME.KEY): no dots, no slashes. */
  private static ConfigKey<Map<String, Double>> variantShares(String name, String dflt, String doc) {
    return add(new ConfigKey<>(name, dflt, "comma-separated name:share pairs, names of letters, digits, _ and -, "
        + "shares > 0; or empty", doc, s -> {
          Map<String, Double> shares = s.isEmpty() ? Map.of() : positivePairs(s, "name:share");
          for (String variant : shares.keySet()) {
            if (!variant.matches("[A-Za-z0-9_-]+")) {
              throw new IllegalArgumentException("variant name '" + variant + "' has other characters");
            }
          }
          return shares;
        }));
  }

  private static Map<String, Double> positivePairs(String s, String form) {
    Map<String, Double> pairs = new LinkedHashMap<>();
    for (String pair : s.split(",")) {
      String[] parts = pair.trim().split(":");
      if (parts.length != 2 || parts[0].trim().isEmpty()) {
        throw new IllegalArgumentException("'" + pair.trim() + "' is not " + form);
      }
      double w = Double.parseDouble(parts[1].trim());
      if (!(w > 0) || Double.isInfinite(w)) {
        throw new IllegalArgumentException("weight of " + parts[0].trim() + " must be > 0");
      }
      if (pairs.put(parts[0].trim(), w) != null) {
        throw new IllegalArgumentException(parts[0].trim() + " appears twice");
      }
    }
    return Collections.unmodifiableMap(pairs);
  }
}
