#!/usr/bin/env python3
"""Checks a publication the way analysts read it: with DuckDB, against truths taken from the input CSVs.

  check_publication.py check OUT DATE INPUT_DIR
      LATEST points at dt=DATE; every dataset, manifest.json and _SUCCESS are there; one row per user who
      was not forgotten (users of the events and users files, less deletions); nobody forgotten in any
      dataset; no seen, blocked or unavailable item recommended; ranks 1..N with scores non-increasing;
      the manifest records a passed gate, the native ALS solver and the output counts DuckDB sees.

  check_publication.py compare OUT_A OUT_B DATE [--tol 1e-5]
      The two publications hold the same rows: the same (user, rank, item) in recommendations, the same
      (item, rank, similar item) in similar_items, the same users and items in the embeddings with the
      same sources, and every score and embedding component within TOL.

Exit status 0 when every check holds, 1 with one line per failed check otherwise.
"""
import argparse
import json
import os
import sys

import duckdb

failures = []


def expect(condition, message):
    print(("ok    " if condition else "FAIL  ") + message)
    if not condition:
        failures.append(message)


def parquet(pub, dataset):
    return f"read_parquet('{pub}/{dataset}/*.parquet', hive_partitioning = false)"


def csv(input_dir, name):
    return f"read_csv('{input_dir}/{name}', header = true, all_varchar = true)"


def scalar(con, sql):
    return con.execute(sql).fetchone()[0]


def check(out, date, input_dir):
    con = duckdb.connect()
    pub = f"{out}/dt={date}"
    latest = open(f"{out}/LATEST").read().strip() if os.path.exists(f"{out}/LATEST") else None
    expect(latest == f"dt={date}", f"LATEST is dt={date} (found {latest!r})")
    for name in ["recommendations", "user_embeddings", "item_embeddings", "similar_items", "manifest.json",
                 "_SUCCESS"]:
        expect(os.path.exists(f"{pub}/{name}"), f"{name} is in {pub}")
    if failures:
        return

    expected_users = (f"(SELECT trim(user_id) AS user_id FROM {csv(input_dir, 'events.csv')} UNION "
                      f"SELECT trim(user_id) FROM {csv(input_dir, 'users.csv')} EXCEPT "
                      f"SELECT trim(user_id) FROM {csv(input_dir, 'deletions.csv')})")
    n_expected = scalar(con, f"SELECT count(*) FROM {expected_users}")
    for dataset in ["recommendations", "user_embeddings"]:
        rows = scalar(con, f"SELECT count(*) FROM {parquet(pub, dataset)}")
        distinct = scalar(con, f"SELECT count(DISTINCT user_id) FROM {parquet(pub, dataset)}")
        stray = scalar(con, f"SELECT count(*) FROM (SELECT user_id FROM {parquet(pub, dataset)} "
                            f"EXCEPT SELECT user_id FROM {expected_users})")
        expect(rows == distinct == n_expected and stray == 0,
               f"{dataset}: one row per expected user ({rows} rows, {distinct} users, {n_expected} expected, "
               f"{stray} unexpected)")
    empty = scalar(con, f"SELECT count(*) FROM {parquet(pub, 'recommendations')} WHERE len(recs) = 0")
    expect(empty == 0, f"every user has a list ({empty} empty)")

    recs = (f"(SELECT user_id, UNNEST(recs) AS rec, generate_subscripts(recs, 1) AS pos "
            f"FROM {parquet(pub, 'recommendations')})")
    seen = scalar(con, f"SELECT count(*) FROM {recs} r JOIN {csv(input_dir, 'events.csv')} e "
                       f"ON trim(e.user_id) = r.user_id AND trim(e.item_id) = r.rec.item_id")
    blocked = scalar(con, f"SELECT count(*) FROM {recs} r JOIN {csv(input_dir, 'blocklist.csv')} b "
                          f"ON trim(b.item_id) = r.rec.item_id")
    unavailable = scalar(con, f"SELECT count(*) FROM {recs} r JOIN {csv(input_dir, 'items.csv')} i "
                              f"ON trim(i.item_id) = r.rec.item_id WHERE i.available = 'false'")
    expect(seen == blocked == unavailable == 0,
           f"no seen ({seen}), blocked ({blocked}) or unavailable ({unavailable}) item recommended")
    bad_rank = scalar(con, f"SELECT count(*) FROM {recs} WHERE rec.rank <> pos")
    increasing = scalar(con, f"SELECT count(*) FROM (SELECT rec.score AS s, lag(rec.score) OVER "
                             f"(PARTITION BY user_id ORDER BY pos) AS prev FROM {recs}) WHERE s > prev")
    expect(bad_rank == increasing == 0, f"ranks run 1..N ({bad_rank} off), scores non-increasing "
                                        f"({increasing} increases)")

    forgotten = [r[0] for r in con.execute(f"SELECT trim(user_id) FROM {csv(input_dir, 'deletions.csv')}").fetchall()]
    if forgotten:
        in_list = ", ".join("'" + f.replace("'", "''") + "'" for f in forgotten)
        for dataset in ["recommendations", "user_embeddings"]:
            n = scalar(con, f"SELECT count(*) FROM {parquet(pub, dataset)} WHERE user_id IN ({in_list})")
            expect(n == 0, f"{dataset}: no forgotten user ({n} found)")

    manifest = json.load(open(f"{pub}/manifest.json"))
    expect(manifest.get("date") == date, f"manifest date is {date}")
    expect(manifest.get("gate", {}).get("passed") is True, "manifest records a passed gate")
    # Training on the workers is our own solver's (NativeAls), not MLlib's ALS.fit.
    solver = manifest.get("config", {}).get("recsys.als.solver")
    expect(solver == "native", f"the model was trained by the native ALS solver (recsys.als.solver={solver})")
    for dataset in ["recommendations", "user_embeddings", "item_embeddings", "similar_items"]:
        recorded = manifest.get("output_counts", {}).get(dataset)
        actual = scalar(con, f"SELECT count(*) FROM {parquet(pub, dataset)}")
        expect(recorded == actual, f"manifest counts {dataset} as DuckDB does ({recorded} vs {actual})")


def compare(out_a, out_b, date, tol):
    con = duckdb.connect()
    a, b = f"{out_a}/dt={date}", f"{out_b}/dt={date}"

    def lists(pub, dataset, key, column):
        return (f"(SELECT {key}, x.item_id AS item, x.rank AS rank, x.score AS score FROM "
                f"(SELECT {key}, UNNEST({column}) AS x FROM {parquet(pub, dataset)}))")

    for dataset, key, column in [("recommendations", "user_id", "recs"), ("similar_items", "item_id", '"similar"')]:
        la, lb = lists(a, dataset, key, column), lists(b, dataset, key, column)
        n_a = scalar(con, f"SELECT count(*) FROM {la}")
        only_a = scalar(con, f"SELECT count(*) FROM (SELECT {key}, rank, item FROM {la} "
                             f"EXCEPT SELECT {key}, rank, item FROM {lb})")
        only_b = scalar(con, f"SELECT count(*) FROM (SELECT {key}, rank, item FROM {lb} "
                             f"EXCEPT SELECT {key}, rank, item FROM {la})")
        worst = scalar(con, f"SELECT coalesce(max(abs(p.score - q.score)), 0) FROM {la} p JOIN {lb} q "
                            f"USING ({key}, rank, item)")
        expect(n_a > 0 and only_a == only_b == 0 and worst <= tol,
               f"{dataset}: same (key, rank, item) rows ({n_a} rows; {only_a} only in A, {only_b} only in B), "
               f"largest score difference {worst:.3g} <= {tol:g}")

    for dataset, key in [("user_embeddings", "user_id"), ("item_embeddings", "item_id")]:
        ea, eb = parquet(a, dataset), parquet(b, dataset)
        n_a, n_b = (scalar(con, f"SELECT count(*) FROM {e}") for e in (ea, eb))
        matched = scalar(con, f"SELECT count(*) FROM {ea} p JOIN {eb} q USING ({key}) WHERE p.source = q.source "
                              f"AND len(p.embedding) = len(q.embedding)")
        worst = scalar(con, f"SELECT coalesce(max(d), 0) FROM (SELECT list_max(list_transform(range(1, len(p.embedding) + 1), "
                            f"lambda i: abs(p.embedding[i] - q.embedding[i]))) AS d "
                            f"FROM {ea} p JOIN {eb} q USING ({key}))")
        expect(n_a == n_b == matched and n_a > 0 and worst <= tol,
               f"{dataset}: same {n_a} rows and sources ({n_b} in B, {matched} matched), "
               f"largest component difference {worst:.3g} <= {tol:g}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    c = sub.add_parser("check")
    c.add_argument("out")
    c.add_argument("date")
    c.add_argument("input_dir")
    k = sub.add_parser("compare")
    k.add_argument("out_a")
    k.add_argument("out_b")
    k.add_argument("date")
    k.add_argument("--tol", type=float, default=1e-5)
    args = parser.parse_args()
    if args.mode == "check":
        check(args.out, args.date, args.input_dir)
    else:
        compare(args.out_a, args.out_b, args.date, args.tol)
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
