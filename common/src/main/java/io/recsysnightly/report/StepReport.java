package io.recsysnightly.report;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one step did: row counts, timings per phase, metrics and where its outputs went. Printed as
 * the step's summary, saved beside its outputs and gathered by publish into the manifest.
 */
public final class StepReport {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final String step;
  private final Map<String, Object> counts = new LinkedHashMap<>();
  private final Map<String, Double> timings = new LinkedHashMap<>();
  private final Map<String, Throughput> throughput = new LinkedHashMap<>();
  private final Map<String, Object> metrics = new LinkedHashMap<>();
  private final Map<String, String> outputs = new LinkedHashMap<>();
  private final Map<String, List<List<String>>> tables = new LinkedHashMap<>();
  private final long startNanos = System.nanoTime();
  private long phaseStart = startNanos;
  private long endNanos = -1;

  public StepReport(String step) {
    this.step = step;
  }

  public String step() {
    return step;
  }

  public StepReport count(String name, long value) {
    counts.put(name, value);
    return this;
  }

  public StepReport metric(String name, Object value) {
    metrics.put(name, value);
    return this;
  }

  public StepReport output(String name, Object path) {
    outputs.put(name, String.valueOf(path));
    return this;
  }

  /** A small table for the summary, e.g. {@code status}'s last nights: the header row, then one row per line. */
  public StepReport table(String title, List<String> header, List<List<String>> rows) {
    List<List<String>> all = new ArrayList<>();
    all.add(List.copyOf(header));
    rows.forEach(r -> all.add(List.copyOf(r)));
    tables.put(title, List.copyOf(all));
    return this;
  }

  /** Closes the phase that started at the previous call (or at construction), recording its seconds. */
  public StepReport phaseDone(String phase) {
    long now = System.nanoTime();
    timings.merge(phase, (now - phaseStart) / 1e9, Double::sum);
    phaseStart = now;
    return this;
  }

  /**
   * {@link #phaseDone(String)}, also recording what the phase went through ({@code rows} of {@code unit}),
   * so the summary can say how fast it went: a slow phase shows as a low rate, whatever the data's size.
   */
  public StepReport phaseDone(String phase, long rows, String unit) {
    phaseDone(phase);
    throughput.put(phase, new Throughput(rows, unit, timings.get(phase)));
    return this;
  }

  /** What a phase went through and in how long (its whole time, if it ran more than once). */
  public record Throughput(long rows, String unit, double seconds) {
    public double perSecond() {
      return seconds > 0 ? rows / seconds : 0;
    }
  }

  /** Seconds from construction to {@link #finished()} (or to now while the step runs). */
  public double totalSeconds() {
    return ((endNanos < 0 ? System.nanoTime() : endNanos) - startNanos) / 1e9;
  }

  /** Marks the step as ended: its total time stops counting. */
  public StepReport finished() {
    if (endNanos < 0) {
      endNanos = System.nanoTime();
    }
    return this;
  }

  public Map<String, Object> counts() {
    return Collections.unmodifiableMap(counts);
  }

  public Map<String, Double> timings() {
    return Collections.unmodifiableMap(timings);
  }

  public Map<String, Throughput> throughput() {
    return Collections.unmodifiableMap(throughput);
  }

  public Map<String, Object> metrics() {
    return Collections.unmodifiableMap(metrics);
  }

  public Map<String, String> outputs() {
    return Collections.unmodifiableMap(outputs);
  }

  public Map<String, List<List<String>>> tables() {
    return Collections.unmodifiableMap(tables);
  }

  public long countOf(String name) {
    return ((Number) counts.get(name)).longValue();
  }

  public Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("step", step);
    map.put("seconds", round(totalSeconds()));
    map.put("counts", counts);
    Map<String, Double> rounded = new LinkedHashMap<>();
    timings.forEach((k, v) -> rounded.put(k, round(v)));
    map.put("timings_seconds", rounded);
    Map<String, Object> rates = new LinkedHashMap<>();
    throughput.forEach((phase, t) -> rates.put(phase, Map.of("rows", t.rows(), "unit", t.unit(),
        "per_second", Math.round(t.perSecond()))));
    map.put("throughput", rates);
    map.put("metrics", metrics);
    map.put("outputs", outputs);
    if (!tables.isEmpty()) {
      map.put("tables", tables);
    }
    return map;
  }

  public String toJson() {
    return toJson(toMap());
  }

  public static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Map<String, Object> parseJson(String text) {
    try {
      return JSON.readValue(text, new TypeReference<LinkedHashMap<String, Object>>() {});
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static double round(double seconds) {
    return Math.round(seconds * 1000) / 1000.0;
  }
}
