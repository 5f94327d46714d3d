"""Test setup: Airflow's home in a temporary folder unless given, no example DAGs, the DAG module importable."""
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="recsys-airflow-home-"))
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
