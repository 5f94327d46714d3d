package io.recsysnightly.testing;

import io.recsysnightly.config.PipelineConfig;
import io.recsysnightly.io.RunContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Builds small input folders (CSV files) and a run context pointing at them, for step-level tests. */
public final class TestInputs {
  private final Path root;
  private final List<String> overrides = new ArrayList<>();

  public TestInputs(Path root) {
    this.root = root;
    overrides.add("recsys.input.root=" + root.resolve("in"));
    overrides.add("recsys.output.root=" + root.resolve("out"));
    overrides.add("recsys.input.items=");
    overrides.add("recsys.input.users=");
    overrides.add("recsys.input.deletions=");
    overrides.add("recsys.input.blocklist=");
  }

  /** Writes {@code in/<name>} with a header line and rows; also points the input key at it. */
  public TestInputs file(String key, String name, String header, String... rows) {
    try {
      Path file = root.resolve("in").resolve(name);
      Files.createDirectories(file.getParent());
      Files.writeString(file, header + "\n" + String.join("\n", rows) + (rows.length > 0 ? "\n" : ""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return set(key, name);
  }

  public TestInputs events(String... rows) {
    return file("recsys.input.events", "events.csv", "user_id,item_id,event_type,event_ts,value", rows);
  }

  public TestInputs set(String key, String value) {
    overrides.add(key + "=" + value);
    return this;
  }

  public Path root() {
    return root;
  }

  public PipelineConfig config() {
    return PipelineConfig.load(Optional.empty(), overrides);
  }

  public RunContext context(String date) {
    return RunContext.of(SharedSpark.get(), config().with("recsys.run.date", date));
  }
}
