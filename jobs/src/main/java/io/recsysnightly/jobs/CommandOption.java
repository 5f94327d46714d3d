package io.recsysnightly.jobs;

/** An option one command takes besides the common ones: a flag, or a value shown as {@code valueName}. */
record CommandOption(String name, String valueName, String text) {
  static final CommandOption FORCE = flag("force", "Publish even if the quality gate refuses.");

  static CommandOption flag(String name, String text) {
    return new CommandOption(name, null, text);
  }

  static CommandOption value(String name, String valueName, String text) {
    return new CommandOption(name, valueName, text);
  }

  boolean isFlag() {
    return valueName == null;
  }
}
