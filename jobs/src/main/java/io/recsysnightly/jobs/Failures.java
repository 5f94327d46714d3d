package io.recsysnightly.jobs;

import io.recsysnightly.RecsysException;
import io.recsysnightly.publish.GateRefusedException;
import io.recsysnightly.report.Summary;

/** Turns whatever stopped a command into its message on stderr and the process exit code. */
final class Failures {
  static final int EXIT_FAILED = 1;

  private Failures() {}

  static int exitCode(Throwable t) {
    if (t instanceof GateRefusedException refused) {
      System.out.print(Summary.render(refused.report()));
      System.out.flush();
    }
    if (t instanceof RecsysException e) {
      System.err.println("error: " + e.getMessage());
      return e.exitCode();
    }
    // The trace first, so the error and what to do are the last lines on the terminal. Spark packs
    // whole executor traces into messages: these lines keep their first line, the trace has the rest.
    t.printStackTrace();
    System.err.println("error: " + describe(t));
    Throwable root = rootCause(t);
    if (root != t) {
      System.err.println("cause: " + describe(root));
    }
    System.err.println("The run failed; the last published output is untouched. Re-run the same date after "
        + "fixing the cause (steps are safe to re-run).");
    return EXIT_FAILED;
  }

  private static String describe(Throwable t) {
    String message = String.valueOf(t.getMessage()).strip();
    int eol = message.indexOf('\n');
    return t.getClass().getName() + ": " + (eol < 0 ? message : message.substring(0, eol).strip() + " ...");
  }

  private static Throwable rootCause(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }
}
