package io.recsysnightly.jobs;

import io.recsysnightly.io.RunContext;

/** What a command does once its arguments and configuration are valid and the session is up. */
@FunctionalInterface
interface CommandRunner {
  void run(RunContext ctx, boolean force);
}
