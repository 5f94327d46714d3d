"""recsys-nightly: one run of the pipeline per day, one spark-submit per step.

events_landed -> build_matrix -> train -> cold_start -> candidates -> rerank -> publish -> prune

``prune`` runs last, once the day is published: it removes publications older than the newest
``recsys.retention.keep-publications`` with their refresh deltas and work directories (nothing when the
gate refused the run: the task is not reached).

Run date. The DAG runs at 02:00 UTC. In Airflow 3 a cron schedule's logical date is the moment the run
is triggered, so the run of 02:00 on day X has ``ds`` = X. The pipeline's ``--date D`` means "events up
to the end of D count", and at 02:00 on X only day X-1 is complete: the run date is therefore
``ds - 1`` (``macros.ds_add(ds, -1)``). Passing ``ds`` would score a day with two hours of events and
call it complete. A manual trigger can name the day with the ``run_date`` param.

Settings. Each of jar, master, conf_file, properties_file, input, output and events_marker is taken from
the run's params (Trigger DAG w/ config) when set, else from the Airflow Variable ``recsys_<name>``,
else from the default in DEFAULTS below. An empty master means the master of the Airflow connection
``spark_default`` (spark-submit must be on the workers' PATH). The working directory of the steps is
``<output>/_work`` unless ``recsys.work.root`` is set in the conf file: every step reads what the
previous one wrote there, so on a cluster ``output`` must be shared storage (HDFS, S3, NFS).

Failures. Exit code 1 (anything else: a lost executor, an out-of-memory) and exit code 5 (another run
holds the output root's lock, e.g. a manual run from the command line; it changed nothing) are retried
twice with exponential back-off from 10 minutes. Exit codes 2 (bad usage or configuration), 3 (input failed
validation) and 4 (the quality gate refused publication; LATEST was not moved) are deterministic: the
task fails at once, without retries, with one log line saying which and what to do.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from airflow.providers.standard.sensors.python import PythonSensor
from airflow.sdk import DAG, Param
from recsys_common import DEFAULTS, MAIN_CLASS, RecsysSparkSubmitOperator, setting

DAG_ID = "recsys_nightly"
STEPS = ["build-matrix", "train", "cold-start", "candidates", "rerank", "publish", "prune"]
RUN_DATE = "{{ params.run_date or macros.ds_add(ds, -1) }}"


def events_landed(marker: str, input: str, run_date: str) -> bool:
    """True once the day's events are there: the marker file exists and is not empty."""
    marker = marker.format(input=input, run_date=run_date)
    present = os.path.isfile(marker) and os.path.getsize(marker) > 0
    print(f"events marker {marker}: {'present' if present else 'not there yet'}")
    return present


with DAG(
    dag_id=DAG_ID,
    description="recsys-nightly: build-matrix, train, cold-start, candidates, rerank, publish, prune",
    schedule="0 2 * * *",
    # Early enough for back-fills of old dates (the bundled sample is from 2018): a task gets no task
    # instance for a logical date before its start_date. catchup=False keeps it from scheduling those.
    start_date=datetime(2018, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=12),
    default_args={
        "owner": "recsys",
        "retries": 2,
        "retry_delay": timedelta(minutes=10),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(hours=1),
        "execution_timeout": timedelta(hours=4),
    },
    params={
        "run_date": Param("", type="string", description="Run date YYYY-MM-DD; empty: the day before ds"),
        **{name: Param("", type="string", description=f"Empty: Variable recsys_{name}, else {default!r}")
           for name, default in DEFAULTS.items()},
    },
    tags=["recsys"],
    doc_md=__doc__,
) as dag:
    landed = PythonSensor(
        task_id="events_landed",
        python_callable=events_landed,
        op_kwargs={"marker": setting("events_marker"), "input": setting("input"), "run_date": RUN_DATE},
        mode="reschedule",
        poke_interval=600,
        timeout=timedelta(hours=8).total_seconds(),
        retries=0,
    )

    previous = landed
    for step in STEPS:
        task = RecsysSparkSubmitOperator(
            task_id=step.replace("-", "_"),
            application=setting("jar"),
            java_class=MAIN_CLASS,
            master=setting("master"),
            properties_file=setting("properties_file"),
            conn_id="spark_default",
            name=f"recsys-nightly {step} {RUN_DATE}",
            application_args=[step, "--date", RUN_DATE, "--conf", setting("conf_file"),
                              "--input", setting("input"), "--output", setting("output")],
            verbose=False,
        )
        previous >> task
        previous = task
