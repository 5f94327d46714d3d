package io.recsysnightly.jobs;

/** A command: its name, one-line description, whether it takes --force, and what it runs. */
record Command(String name, String description, boolean takesForce, CommandRunner runner) {}
