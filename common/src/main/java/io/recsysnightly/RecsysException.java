package io.recsysnightly;

/** A failure the user can act on, carrying the process exit code the command line maps it to. */
public class RecsysException extends RuntimeException {
  /** Usage or configuration error. */
  public static final int EXIT_USAGE = 2;
  /** Input failed validation. */
  public static final int EXIT_INPUT = 3;
  /** The quality gate refused publication. */
  public static final int EXIT_GATE = 4;
  /** Another run holds the output root's lock; nothing was changed. */
  public static final int EXIT_LOCKED = 5;

  private final int exitCode;

  public RecsysException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public RecsysException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }

  public static RecsysException config(String format, Object... args) {
    return new RecsysException(EXIT_USAGE, String.format(format, args));
  }

  public static RecsysException input(String format, Object... args) {
    return new RecsysException(EXIT_INPUT, String.format(format, args));
  }
}
