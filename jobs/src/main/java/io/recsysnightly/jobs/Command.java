package io.recsysnightly.jobs;

import java.util.List;

/**
 * A command: its name, one-line description, the options it takes beyond the common ones, whether
 * it needs a run date, and what it runs.
 */
record Command(String name, String description, List<CommandOption> options, boolean needsDate,
    CommandRunner runner) {

  Command {
    options = List.copyOf(options);
  }
}
