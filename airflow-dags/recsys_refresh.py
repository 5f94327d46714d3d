"""recsys-nightly, intraday: `refresh` every hour from 06:15 to 23:15 UTC, after the 02:00 nightly run.

Each run folds in the users with events since the publication LATEST names, re-lists them and publishes
an atomic delta beside that publication (docs/refresh.md). Events before the run's logical
date count (``--as-of``; a manual trigger can name another time with the ``as_of`` param). Each delta
holds every user refreshed since the publication, so a skipped or failed hour loses nothing: the next
run picks its events up.

Settings are those of the nightly DAG (params, else Variables ``recsys_<name>``, else the defaults in
recsys_common.py). Exit code 5 (the nightly run holds the output root's lock) and 1 are retried; 2 (for
example no publication yet) and 3 fail at once.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow.sdk import DAG, Param
from recsys_common import DEFAULTS, MAIN_CLASS, RecsysSparkSubmitOperator, setting

DAG_ID = "recsys_refresh"
SETTINGS = ["jar", "master", "conf_file", "properties_file", "input", "output"]
AS_OF = "{{ params.as_of or ts }}"

with DAG(
    dag_id=DAG_ID,
    description="recsys-nightly intraday refresh: fold-in, candidates and lists of today's active users",
    schedule="15 6-23 * * *",
    start_date=datetime(2018, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    # One refresh at a time; an hour's run that overlaps the next is replaced by it (each delta is complete).
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=55),
    default_args={
        "owner": "recsys",
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(minutes=50),
    },
    params={
        "as_of": Param("", type="string", description="Events before this UTC time count; empty: the run's "
                       "logical date"),
        **{name: Param("", type="string", description=f"Empty: Variable recsys_{name}, else {DEFAULTS[name]!r}")
           for name in SETTINGS},
    },
    tags=["recsys"],
    doc_md=__doc__,
) as dag:
    RecsysSparkSubmitOperator(
        task_id="refresh",
        application=setting("jar"),
        java_class=MAIN_CLASS,
        master=setting("master"),
        properties_file=setting("properties_file"),
        conn_id="spark_default",
        name=f"recsys-nightly refresh {AS_OF}",
        application_args=["refresh", "--as-of", AS_OF, "--conf", setting("conf_file"),
                          "--input", setting("input"), "--output", setting("output")],
        verbose=False,
    )
