"""`airflow dags test` of the real DAG: every step submitted with spark-submit (local[2], from the Spark
connection) on data-samples/, then LATEST checked; then the gate's refusal (exit 4) through the real
operator, which must fail the task without retries.

Needs SPARK_HOME (a Spark 4.1 distribution: pip's pyspark) and the application jar (RECSYS_JAR, default
jobs/target/recsys-nightly-jobs-0.1.0-SNAPSHOT.jar). Without them it is skipped locally and fails in CI.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
JAR = Path(os.environ.get("RECSYS_JAR", REPO / "jobs/target/recsys-nightly-jobs-0.1.0-SNAPSHOT.jar"))
SPARK_HOME = os.environ.get("SPARK_HOME", "")
LOGICAL_DATE = "2018-09-26"  # the 02:00 run of Sep 26 publishes the day before, the sample's run date
RUN_DATE = "2018-09-25"


def require_spark():
    missing = [what for what, ok in [("SPARK_HOME", Path(SPARK_HOME, "bin/spark-submit").is_file()),
                                     (f"the jar {JAR}", JAR.is_file())] if not ok]
    if missing:
        message = "integration test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory):
    require_spark()
    home = tmp_path_factory.mktemp("airflow-home")
    out = tmp_path_factory.mktemp("published")
    env = dict(os.environ)
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "airflow-dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # The master comes from the Spark connection here (the DAG's master setting left empty).
        "AIRFLOW_CONN_SPARK_DEFAULT": json.dumps({"conn_type": "spark", "host": "local[2]"}),
        "AIRFLOW_VAR_RECSYS_JAR": str(JAR),
        "AIRFLOW_VAR_RECSYS_CONF_FILE": str(REPO / "conf/recsys.properties"),
        "AIRFLOW_VAR_RECSYS_PROPERTIES_FILE": str(REPO / "conf/spark-local.conf"),
        "AIRFLOW_VAR_RECSYS_INPUT": str(REPO / "data-samples"),
        "AIRFLOW_VAR_RECSYS_OUTPUT": str(out),
        "PATH": f"{SPARK_HOME}/bin{os.pathsep}{env.get('PATH', '')}",
        "SPARK_LOCAL_IP": "127.0.0.1",
    })
    airflow = str(Path(sys.executable).with_name("airflow"))
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True, timeout=300)
    return {"env": env, "out": out, "home": home, "airflow": airflow}


@pytest.fixture(scope="module")
def dags_test(airflow_env):
    result = subprocess.run([airflow_env["airflow"], "dags", "test", "recsys_nightly", LOGICAL_DATE],
                            env=airflow_env["env"], capture_output=True, text=True, timeout=1800)
    (airflow_env["home"] / "dags-test.log").write_text(result.stdout + result.stderr)
    return result


def test_dags_test_runs_every_step_and_moves_latest(airflow_env, dags_test):
    with sqlite3.connect(airflow_env["home"] / "airflow.db") as db:
        states = dict(db.execute("SELECT task_id, state FROM task_instance WHERE dag_id = 'recsys_nightly'"))
        run_state = db.execute("SELECT state FROM dag_run WHERE dag_id = 'recsys_nightly'").fetchall()
    assert states == {t: "success" for t in ["events_landed", "build_matrix", "train", "cold_start", "candidates",
                                             "rerank", "publish", "prune"]}, dags_test.stdout[-4000:] + dags_test.stderr[-4000:]
    assert run_state == [("success",)]
    out = airflow_env["out"]
    assert (out / "LATEST").read_text().strip() == f"dt={RUN_DATE}"
    publication = out / f"dt={RUN_DATE}"
    for name in ["recommendations", "user_embeddings", "item_embeddings", "similar_items", "_SUCCESS"]:
        assert (publication / name).exists(), name
    manifest = json.loads((publication / "manifest.json").read_text())
    assert manifest["date"] == RUN_DATE
    assert manifest["gate"]["passed"] is True
    assert manifest["output_counts"]["recommendations"] == 605
    # Each step was its own spark-submit application, named after the step and the run date.
    # (The hook logs the spark-submit command line; task logs are files under AIRFLOW_HOME/logs.)
    log = dags_test.stdout + dags_test.stderr + "".join(
        p.read_text(errors="replace") for p in (airflow_env["home"] / "logs").rglob("*") if p.is_file())
    for step in ["build-matrix", "train", "cold-start", "candidates", "rerank", "publish", "prune"]:
        assert f"recsys-nightly {step} {RUN_DATE}" in log, step


def test_gate_refusal_fails_the_task_without_retry_and_leaves_latest(airflow_env, dags_test):
    """The evaluation metrics of the run are made to lose to the popularity baseline; `publish` run again
    through the DAG's own operator (real spark-submit, real jar) must exit 4, and the operator must turn
    that into AirflowFailException (Airflow's "fail, do not retry") with a clear message."""
    from airflow.sdk.exceptions import AirflowFailException

    import recsys_nightly

    out = airflow_env["out"]
    work = out / "_work" / f"dt={RUN_DATE}"
    metrics = json.loads((work / "metrics.json").read_text())
    metrics["popularity"]["ndcg@10"] = metrics["als"]["ndcg@10"] + 0.01
    (work / "metrics.json").write_text(json.dumps(metrics))
    (work / ".metrics.json.crc").unlink(missing_ok=True)  # Hadoop's checksum of the old content

    operator = recsys_nightly.RecsysSparkSubmitOperator(
        task_id="publish_refused", application=str(JAR), java_class=recsys_nightly.MAIN_CLASS, master="local[2]",
        properties_file=str(REPO / "conf/spark-local.conf"), name="recsys-nightly publish (refusal test)",
        application_args=["publish", "--date", RUN_DATE, "--conf", str(REPO / "conf/recsys.properties"),
                          "--input", str(REPO / "data-samples"), "--output", str(out)])
    saved = dict(os.environ)
    os.environ.update(airflow_env["env"])
    try:
        with pytest.raises(AirflowFailException, match="exited 4: the quality gate refused publication"):
            operator.execute(context={})
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert operator._hook._submit_sp.returncode == 4
    assert (out / "LATEST").read_text().strip() == f"dt={RUN_DATE}", "LATEST must not move"
    assert (out / "_refused" / f"dt={RUN_DATE}").is_dir()


def test_refresh_dag_publishes_a_delta_beside_the_publication(airflow_env, dags_test, tmp_path):
    """`airflow dags test` of the intraday DAG, its logical date 12:15 the day after the run date, on a copy
    of the sample with two users active that morning (one the publication knows, one new): the real
    spark-submit of `refresh` writes a complete delta for exactly those two and names it."""
    inputs = tmp_path / "in"
    shutil.copytree(REPO / "data-samples", inputs)
    with open(inputs / "events.csv", "a") as events:
        events.write("u1,m2,rating,2018-09-26 08:00:00,5\nnewcomer,m1,rating,2018-09-26 09:00:00,4\n")
    result = subprocess.run([airflow_env["airflow"], "dags", "test", "recsys_refresh", "2018-09-26T12:15:00+00:00",
                             "--conf", json.dumps({"input": str(inputs)})],
                            env=airflow_env["env"], capture_output=True, text=True, timeout=900)
    with sqlite3.connect(airflow_env["home"] / "airflow.db") as db:
        states = dict(db.execute("SELECT task_id, state FROM task_instance WHERE dag_id = 'recsys_refresh'"))
    assert states == {"refresh": "success"}, result.stdout[-4000:] + result.stderr[-4000:]
    deltas = airflow_env["out"] / "refresh" / f"dt={RUN_DATE}"
    assert (deltas / "LATEST").read_text().strip() == "delta=1"
    assert (deltas / "delta=1" / "_SUCCESS").exists()
    manifest = json.loads((deltas / "delta=1" / "manifest.json").read_text())
    assert manifest["publication"] == f"dt={RUN_DATE}"
    assert manifest["as_of"] == "2018-09-26T12:15:00Z"
    assert manifest["output_counts"]["recommendations"] == 2
    assert (airflow_env["out"] / "LATEST").read_text().strip() == f"dt={RUN_DATE}", "refresh never moves LATEST"
