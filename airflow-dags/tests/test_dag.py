"""The DAG as Airflow loads it: no import errors, the steps in order, retries and the fail-fast codes."""
from datetime import timedelta
from pathlib import Path

import pytest
from airflow.models import DagBag

DAGS = Path(__file__).resolve().parents[1]
SPARK_TASKS = ["build_matrix", "train", "cold_start", "candidates", "rerank", "publish", "prune"]


@pytest.fixture(scope="module")
def dagbag():
    # Example DAGs are off (conftest sets AIRFLOW__CORE__LOAD_EXAMPLES=False; Airflow 3.3 dropped include_examples).
    return DagBag(dag_folder=str(DAGS))


@pytest.fixture(scope="module")
def dag(dagbag):
    return dagbag.dags["recsys_nightly"]


def test_folder_loads_without_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert sorted(dagbag.dag_ids) == ["recsys_nightly", "recsys_refresh"]


def test_one_task_per_step_in_order(dag):
    assert [t.task_id for t in dag.topological_sort()] == ["events_landed", *SPARK_TASKS]
    chain = ["events_landed", *SPARK_TASKS]
    for upstream, downstream in zip(chain, chain[1:]):
        assert dag.get_task(downstream).upstream_task_ids == {upstream}
    for task_id in SPARK_TASKS:
        task = dag.get_task(task_id)
        assert type(task).__name__ == "RecsysSparkSubmitOperator"
        assert task._java_class == "io.recsysnightly.jobs.Main"
        assert task.application_args[0] == task_id.replace("_", "-")


def test_schedule_and_run_limits(dag):
    assert dag.max_active_runs == 1
    assert dag.catchup is False
    assert dag.schedule == "0 2 * * *"
    # A trigger timetable: the logical date (ds) is the trigger time, hence the run date ds - 1.
    assert type(dag.timetable).__name__ == "CronTriggerTimetable"


def test_spark_tasks_retry_with_backoff_and_the_sensor_does_not(dag):
    for task_id in SPARK_TASKS:
        task = dag.get_task(task_id)
        assert task.retries == 2, task_id
        assert task.retry_exponential_backoff, task_id
        assert task.retry_delay == timedelta(minutes=10), task_id
        assert task.max_retry_delay == timedelta(hours=1), task_id
    sensor = dag.get_task("events_landed")
    assert sensor.mode == "reschedule"
    assert sensor.retries == 0


def test_deterministic_exit_codes_fail_fast_and_others_retry(dag):
    import recsys_common

    assert set(recsys_common.NO_RETRY_EXIT_CODES) == {2, 3, 4}
    assert "quality gate refused" in recsys_common.NO_RETRY_EXIT_CODES[4]
    assert 1 not in recsys_common.NO_RETRY_EXIT_CODES
    assert 5 not in recsys_common.NO_RETRY_EXIT_CODES, "another run's lock is released in time: retry"


def test_templates_take_the_day_before_ds_and_settings_from_params(dag):
    """Renders the spark tasks' templated fields with Jinja as Airflow does (params set, so no Variable
    lookup is needed), for the run of 2018-09-26."""
    import recsys_nightly
    from airflow.sdk.execution_time.macros import ds_add

    params = {"run_date": "", "jar": "/j.jar", "master": "spark://127.0.0.1:7077", "conf_file": "/c.properties",
              "properties_file": "/s.conf", "input": "/in", "output": "/out", "events_marker": ""}
    context = {"ds": "2018-09-26", "params": params, "macros": type("M", (), {"ds_add": staticmethod(ds_add)})}
    task = dag.get_task("train")
    args = task.render_template(task.application_args, context)
    assert args == ["train", "--date", "2018-09-25", "--conf", "/c.properties", "--input", "/in", "--output", "/out"]
    assert task.render_template(task.application, context) == "/j.jar"
    assert task.render_template(task.master, context) == "spark://127.0.0.1:7077"
    assert task.render_template(task.properties_file, context) == "/s.conf"
    assert task.render_template(task.name, context) == "recsys-nightly train 2018-09-25"
    params["run_date"] = "2018-01-31"
    assert task.render_template(task.application_args, context)[2] == "2018-01-31"
    # The sensor's marker: the default is the events file under the input folder.
    assert recsys_nightly.DEFAULTS["events_marker"].format(input="/in", run_date="2018-09-25") == "/in/events.csv"


def test_sensor_says_whether_the_events_are_there(tmp_path):
    import recsys_nightly

    marker = "{input}/dt={run_date}/_SUCCESS"
    assert recsys_nightly.events_landed(marker, str(tmp_path), "2018-09-25") is False
    (tmp_path / "dt=2018-09-25").mkdir()
    (tmp_path / "dt=2018-09-25" / "_SUCCESS").write_text("")
    assert recsys_nightly.events_landed(marker, str(tmp_path), "2018-09-25") is False, "an empty marker"
    (tmp_path / "dt=2018-09-25" / "_SUCCESS").write_text("ok\n")
    assert recsys_nightly.events_landed(marker, str(tmp_path), "2018-09-25") is True


def test_refresh_dag_runs_hourly_after_the_nightly_with_the_logical_date_as_as_of(dagbag):
    """The intraday DAG: one refresh task, hourly after the 02:00 nightly run, one run at a time, retried
    (the nightly's lock, exit 5), with --as-of the run's logical date unless the as_of param names one."""
    refresh = dagbag.dags["recsys_refresh"]
    assert [t.task_id for t in refresh.tasks] == ["refresh"]
    assert refresh.schedule == "15 6-23 * * *"
    assert refresh.max_active_runs == 1 and refresh.catchup is False
    task = refresh.get_task("refresh")
    assert type(task).__name__ == "RecsysSparkSubmitOperator"
    assert task.retries == 2
    params = {"as_of": "", "jar": "/j.jar", "master": "", "conf_file": "/c.properties", "properties_file": "/s.conf",
              "input": "/in", "output": "/out"}
    context = {"params": params, "ts": "2018-09-26T12:15:00+00:00"}  # the logical date, as Airflow renders ts
    assert task.render_template(task.application_args, context) == [
        "refresh", "--as-of", "2018-09-26T12:15:00+00:00", "--conf", "/c.properties", "--input", "/in",
        "--output", "/out"]
    params["as_of"] = "2018-09-26T09:00:00Z"
    assert task.render_template(task.application_args, context)[2] == "2018-09-26T09:00:00Z"
