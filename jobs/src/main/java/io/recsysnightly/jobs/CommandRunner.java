package io.recsysnightly.jobs;

/** What a command does once its arguments and configuration are valid and the session is up. */
@FunctionalInterface
interface CommandRunner {
  void run(CommandContext ctx);
}
