package io.recsysnightly.publish;

import io.recsysnightly.RecsysException;
import io.recsysnightly.report.StepReport;

/** The quality gate refused to move LATEST: the run was written but readers still see the previous one. */
public final class GateRefusedException extends RecsysException {
  private final transient StepReport report;

  public GateRefusedException(String reason, StepReport report) {
    super(EXIT_GATE, reason);
    this.report = report;
  }

  public StepReport report() {
    return report;
  }
}
