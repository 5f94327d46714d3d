"""What the recsys-nightly DAGs share: the deployment settings, the jar's exit codes that a retry cannot
fix, and the spark-submit operator that fails fast on them. No DAG is defined here."""
from __future__ import annotations

import re

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException

MAIN_CLASS = "io.recsysnightly.jobs.Main"

# Where a deployment puts things (see docs/cluster-and-airflow.md, "Running the Airflow DAG"); each can be
# overridden by the Variable recsys_<name> or by the run's params.
DEFAULTS = {
    "jar": "/opt/recsys-nightly/recsys-nightly-jobs.jar",
    "master": "",
    "conf_file": "/opt/recsys-nightly/conf/recsys.properties",
    "properties_file": "/opt/recsys-nightly/conf/spark-cluster.conf",
    "input": "/data/recsys/inputs",
    "output": "/data/recsys/published",
    # The file whose presence says the day's events have landed; {input} and {run_date} are filled in.
    "events_marker": "{input}/events.csv",
}

# Exit codes of the jar (docs/operating.md, "Exit codes") that a retry cannot fix, with what the operator
# should do.
NO_RETRY_EXIT_CODES = {
    2: "usage or configuration error: fix the option or key named above, then clear the task",
    3: "input failed validation (missing file, bad format or too many malformed rows): fix the input, "
       "then clear the task",
    4: "the quality gate refused publication; LATEST still points at the previous run. The refused run is "
       "under <output>/_refused/ with its manifest; after review, publish it with --force or clear the task",
}


def setting(name: str) -> str:
    """Template resolving a setting: the run's param, else Variable recsys_<name>, else the default."""
    return "{{ params.%s or var.value.get('recsys_%s', %r) }}" % (name, name, DEFAULTS[name])



class RecsysSparkSubmitOperator(SparkSubmitOperator):
    """SparkSubmitOperator that takes the master from a (templated) setting and fails fast on the
    jar's deterministic exit codes instead of retrying them."""

    template_fields = (*SparkSubmitOperator.template_fields, "master")

    def __init__(self, *, master: str = "", **kwargs):
        super().__init__(**kwargs)
        self.master = master

    def _get_hook(self):
        hook = super()._get_hook()
        if self.master:
            # The hook resolves the master from the connection; a master given here wins over it.
            hook._connection["master"] = self.master
        return hook

    def execute(self, context):
        try:
            return super().execute(context)
        except AirflowException as e:
            code = exit_code(self._hook, e)
            if code in NO_RETRY_EXIT_CODES:
                message = f"recsys {self.application_args[0]} exited {code}: {NO_RETRY_EXIT_CODES[code]}"
                self.log.error(message)
                raise AirflowFailException(message) from e
            raise


def exit_code(hook, error: Exception) -> int | None:
    """spark-submit's exit code: from the finished process, else from the hook's error message."""
    process = getattr(hook, "_submit_sp", None) if hook is not None else None
    if process is not None and process.returncode is not None:
        return process.returncode
    found = re.search(r"Error code is: (\d+)", str(error))
    return int(found.group(1)) if found else None
