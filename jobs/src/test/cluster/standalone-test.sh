#!/usr/bin/env bash
# A real Spark standalone cluster on loopback: one master and two workers (1 core each), `nightly`
# submitted to it with two executors, its publication compared with a local-mode run of the same
# application on the same input (same rows, scores and embeddings within 1e-5); then the same run again
# with one worker SIGKILLed (by pid) while `train` runs, and the publication checked complete and equal.
#
#   SPARK_HOME=... PYTHON=... jobs/src/test/cluster/standalone-test.sh
#
# SPARK_HOME: a Spark 4.1 distribution (pip's pyspark ships one); PYTHON: a Python with duckdb (reads
# the outputs). The jar must be built (mvn -B -DskipTests package). Every process this script starts is
# stopped by pid on exit; every step has a time limit; everything listens on 127.0.0.1 only.
#
# Input: a third of data-samples/ (the users whose id hashes to 0 mod 3, all items), written to a
# temporary folder, and a lighter model (rank 16, 5 sweeps, no evaluation fit, a nightly search of 6 points
# instead of 24: RECSYS_SETTINGS), to keep three full pipeline runs within a few minutes on two cores. Every
# fit is distributed (recsys.als.one-task-max-interactions=0: so small a matrix would otherwise be fitted in
# one task), so that the solver's shuffles and broadcasts cross executors. Every run gets the same input, the same
# recsys configuration (conf/recsys.properties plus those settings) and the same Spark settings
# (conf/spark-local.conf, plus Kryo, the serializer conf/spark-cluster.conf sets: what crosses executors is
# shipped as on a production cluster); only --master differs, so the comparison isolates the deployment.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"
cd "$root"
: "${SPARK_HOME:?set SPARK_HOME to a Spark 4.1 distribution}"
PYTHON="${PYTHON:-python3}"
JAR="${JAR:-$root/jobs/target/recsys-nightly-jobs-0.1.0-SNAPSHOT.jar}"
DATE="${DATE:-2018-09-25}"
RUN_TIMEOUT="${RUN_TIMEOUT:-1800}"      # seconds allowed to one spark-submit (a loaded 2-core machine is slow)
KILL_DURING="${KILL_DURING:-train}"     # the step during which a worker is killed
START_TIMEOUT="${START_TIMEOUT:-300}"   # seconds allowed to the master and workers to come up
read -r -a settings <<<"${RECSYS_SETTINGS:---set recsys.als.rank=16 --set recsys.als.max-iter=5 --set recsys.eval.enabled=false --set recsys.tune.trials=6 --set recsys.als.one-task-max-interactions=0}"
export SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_HOSTNAME=127.0.0.1 SPARK_SCALA_VERSION=2.13
[[ -f "$JAR" ]] || { echo "no jar at $JAR: build it first (mvn -B -DskipTests package)" >&2; exit 2; }

tmp="$(mktemp -d /tmp/recsys-cluster-XXXXXX)"
export SPARK_WORKER_DIR="$tmp/worker-dirs" SPARK_LOG_DIR="$tmp/logs"
mkdir -p "$SPARK_WORKER_DIR" "$SPARK_LOG_DIR"
pids=()
kill_tree() {  # kill_tree PID SIGNAL: the process and all its descendants, children first, by pid
  local child
  for child in $(pgrep -P "$1" 2>/dev/null || true); do kill_tree "$child" "$2"; done
  kill "-$2" "$1" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  # Workers' executors and the background spark-submit's driver are descendants of pids we started.
  for pid in "${pids[@]}"; do kill_tree "$pid" TERM; done
  sleep 2
  for pid in "${pids[@]}"; do kill_tree "$pid" KILL; done
  if [[ $rc -ne 0 ]]; then
    echo "cluster test FAILED (exit $rc); logs kept in $tmp/logs" >&2
    for f in "$tmp"/logs/*; do echo "---- tail of $f" >&2; tail -n 25 "$f" >&2; done
  else
    rm -rf "$tmp"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s cluster-test: %s\n' "$(date +%H:%M:%S)" "$*"; }
free_port() { "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() {  # wait_for SECONDS FILE PATTERN [COUNT]
  local deadline=$((SECONDS + $1)) n
  while (( SECONDS < deadline )); do
    n=$(grep -c -E "$3" "$2" 2>/dev/null || true)
    (( ${n:-0} >= ${4:-1} )) && return 0
    sleep 1
  done
  echo "timed out after $1 s waiting for '$3' in $2" >&2
  return 1
}

# ---- the input: a third of the sample's users ---------------------------------------------------------
input="$tmp/input"
mkdir -p "$input"
"$PYTHON" - "$root/data-samples" "$input" <<'EOF'
import shutil, sys, duckdb
src, dst = sys.argv[1], sys.argv[2]
con = duckdb.connect()
for name in ["events.csv", "users.csv"]:
    con.execute(f"COPY (SELECT * FROM read_csv('{src}/{name}', header = true, all_varchar = true) "
                f"WHERE hash(coalesce(user_id, '')) % 3 = 0) TO '{dst}/{name}' (HEADER)")
for name in ["items.csv", "deletions.csv", "blocklist.csv"]:
    shutil.copy(f"{src}/{name}", f"{dst}/{name}")
print("input subset:", con.execute(f"SELECT count(*), count(DISTINCT user_id) FROM read_csv('{dst}/events.csv')").fetchone(),
      "(events, users)")
EOF

submit() {  # submit MASTER OUTPUT LOGNAME [extra spark-submit args...]: runs nightly, returns its exit code
  local master=$1 out=$2 log=$3; shift 3
  local rc=0
  timeout --signal=TERM --kill-after=30 "$RUN_TIMEOUT" "$SPARK_HOME/bin/spark-submit" \
    --class io.recsysnightly.jobs.Main --master "$master" --properties-file conf/spark-local.conf \
    --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 --conf spark.ui.enabled=false \
    --conf spark.serializer=org.apache.spark.serializer.KryoSerializer \
    --driver-memory 2g "$@" \
    "$JAR" nightly --conf conf/recsys.properties "${settings[@]}" --date "$DATE" --input "$input" --output "$out" \
    > "$tmp/logs/$log.out" 2> "$tmp/logs/$log.err" || rc=$?
  return $rc
}

# ---- reference: the same application in local mode ----------------------------------------------------
say "reference run in local[2]"
start=$SECONDS
submit 'local[2]' "$tmp/out-local" local
say "reference run done in $((SECONDS - start)) s"
"$PYTHON" jobs/src/test/cluster/check_publication.py check "$tmp/out-local" "$DATE" "$input"
# The comparison must be able to fail: one embedding component moved by 1e-4 has to be noticed.
cp -r "$tmp/out-local" "$tmp/out-tampered"
"$PYTHON" - "$tmp/out-tampered/dt=$DATE/item_embeddings" <<'PY'
import glob, os, sys, duckdb
d = sys.argv[1]
files = glob.glob(f"{d}/*.parquet")
duckdb.sql(f"COPY (SELECT * REPLACE (CASE WHEN item_id = (SELECT min(item_id) FROM read_parquet({files})) "
           f"THEN list_transform(embedding, lambda x: (x + 1e-4)::FLOAT) ELSE embedding END AS embedding) "
           f"FROM read_parquet({files})) TO '{d}/tampered.parquet' (FORMAT parquet)")
for f in files:
    os.remove(f)
PY
if "$PYTHON" jobs/src/test/cluster/check_publication.py compare "$tmp/out-local" "$tmp/out-tampered" "$DATE" \
    > "$tmp/logs/tampered.txt" 2>&1; then
  echo "the comparison did not notice an embedding moved by 1e-4" >&2; cat "$tmp/logs/tampered.txt" >&2; exit 1
fi
say "self-check: the comparison notices an embedding component moved by 1e-4: $(grep FAIL "$tmp/logs/tampered.txt")"
rm -rf "$tmp/out-tampered"

# ---- the cluster ------------------------------------------------------------------------------------------
master_port=$(free_port)
master_url="spark://127.0.0.1:$master_port"
"$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$master_port" \
  --webui-port "$(free_port)" > "$tmp/logs/master.log" 2>&1 &
pids+=($!)
say "master pid ${pids[0]} at $master_url"
wait_for "$START_TIMEOUT" "$tmp/logs/master.log" "I have been elected leader"
start_worker() {  # start_worker N: one worker, 1 core, 2g
  "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.worker.Worker "$master_url" --host 127.0.0.1 \
    --cores 1 --memory 2g --webui-port "$(free_port)" --work-dir "$SPARK_WORKER_DIR/w$1" \
    > "$tmp/logs/worker$1.log" 2>&1 &
  pids+=($!)
  worker_pid[$1]=$!
  say "worker $1 pid $!"
}
declare -A worker_pid
start_worker 1
start_worker 2
wait_for "$START_TIMEOUT" "$tmp/logs/master.log" "Registering worker" 2
cluster_args=(--deploy-mode client --total-executor-cores 2 --executor-cores 1 --executor-memory 1g)

say "cluster run: nightly with two executors on $master_url"
start=$SECONDS
submit "$master_url" "$tmp/out-cluster" cluster "${cluster_args[@]}"
say "cluster run done in $((SECONDS - start)) s"
executors=$(grep -c "Launching executor" "$tmp/logs/master.log" || true)
say "executors the master launched so far: $executors"
(( executors >= 2 )) || { echo "expected two executors, the master launched $executors" >&2; exit 1; }
"$PYTHON" jobs/src/test/cluster/check_publication.py check "$tmp/out-cluster" "$DATE" "$input"
say "cluster publication vs local-mode publication"
"$PYTHON" jobs/src/test/cluster/check_publication.py compare "$tmp/out-local" "$tmp/out-cluster" "$DATE"

# ---- the fault: SIGKILL worker 2 while a step runs --------------------------------------------------------
say "fault run: nightly again, worker 2 (pid ${worker_pid[2]}) is SIGKILLed during '$KILL_DURING'"
victim=${worker_pid[2]}
start=$SECONDS
submit "$master_url" "$tmp/out-fault" fault "${cluster_args[@]}" &
submit_pid=$!
pids+=($submit_pid)
wait_for "$RUN_TIMEOUT" "$tmp/logs/fault.out" "\\[$KILL_DURING\\]"
sleep 3   # well inside the step (ALS sweeps, or the candidate blocks), not at its first line
victim_executors=$(pgrep -P "$victim" | tr '\n' ' ' || true)
if grep -q -E "== $KILL_DURING done" "$tmp/logs/fault.out"; then
  echo "the step '$KILL_DURING' ended before the kill: the fault was not injected while it ran" >&2
  exit 1
fi
kill -9 "$victim"
say "SIGKILLed worker 2 (pid $victim) at $((SECONDS - start)) s; its executor process(es): ${victim_executors:-none}"
sleep 5
for e in $victim_executors; do
  if kill -0 "$e" 2>/dev/null; then
    say "executor pid $e still alive 5 s after its worker died: killing it too (a lost host takes both)"
    kill -9 "$e"
  else
    say "executor pid $e exited by itself once its worker died"
  fi
done
fault_rc=0
wait "$submit_pid" || fault_rc=$?
say "fault run exited $fault_rc after $((SECONDS - start)) s"
say "driver saw: $(grep -c -E 'Lost executor|Executor lost|Removed executor|ExecutorLostFailure' "$tmp/logs/fault.err" || true) executor-loss lines," \
  "$(grep -c -E 'Lost task' "$tmp/logs/fault.err" || true) lost-task lines," \
  "$(grep -c 'FetchFailed' "$tmp/logs/fault.err" || true) FetchFailed lines"
grep -E 'Lost executor|ExecutorLostFailure|FetchFailed|Lost task' "$tmp/logs/fault.err" | head -n 5 | cut -c1-240 || true
if [[ $fault_rc -ne 0 ]]; then
  say "the application FAILED after the kill; retrying the same date once on the remaining worker"
  tail -n 5 "$tmp/logs/fault.err"
  submit "$master_url" "$tmp/out-fault" fault-retry "${cluster_args[@]}"
  say "OUTCOME: failed with the worker lost, succeeded on retry"
else
  say "OUTCOME: the application finished on the remaining worker, no retry needed"
fi
"$PYTHON" jobs/src/test/cluster/check_publication.py check "$tmp/out-fault" "$DATE" "$input"
say "fault-run publication vs local-mode publication"
"$PYTHON" jobs/src/test/cluster/check_publication.py compare "$tmp/out-local" "$tmp/out-fault" "$DATE"
say "PASSED"
