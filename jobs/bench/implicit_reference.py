#!/usr/bin/env python3
"""The `implicit` library's CPU ALS on the matrix `bench --stage train --export DIR` wrote: fit time and NDCG@10
on the same holdout, all items ranked, the user's training items excluded (the protocol of our evaluator).

    python3 -m venv .venv-implicit && .venv-implicit/bin/pip install -r jobs/bench/requirements.txt
    OPENBLAS_NUM_THREADS=1 .venv-implicit/bin/python jobs/bench/implicit_reference.py DIR \
        --factors 64 --regularization 0.1 --alpha 1 --iterations 15

implicit's confidence is alpha * value (implicit/cpu/als.py), ours 1 + alpha * r: the script gives implicit
the values 1 + alpha * r with its own alpha at 1, so both weigh a cell alike. Its regularisation is an unscaled
lambda: our recsys.als.regularization=frequency with recsys.als.reg-exponent=0.
"""
import argparse
import glob
import json
import os
import time

import numpy as np
import scipy.sparse as sp


def read_csv(folder):
    paths = sorted(glob.glob(os.path.join(folder, "part-*.csv")))
    return np.concatenate([np.loadtxt(p, delimiter=",", skiprows=1, ndmin=2) for p in paths])


def ndcg_at_k(user_factors, item_factors, train, holdout_by_user, k):
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    total = 0.0
    for u, relevant in holdout_by_user.items():
        scores = item_factors @ user_factors[u]
        seen = train.indices[train.indptr[u]:train.indptr[u + 1]]
        scores[seen] = -np.inf
        top = np.argpartition(-scores, k)[:k]
        top = top[np.argsort(-scores[top])]
        gains = np.isin(top, list(relevant)).astype(float)
        ideal = discounts[:min(k, len(relevant))].sum()
        total += (gains * discounts).sum() / ideal
    return total / len(holdout_by_user)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--factors", type=int, default=64)
    ap.add_argument("--regularization", type=float, default=0.1)
    ap.add_argument("--alpha", type=float, default=1.0, help="our alpha: confidence 1 + alpha * r")
    ap.add_argument("--iterations", type=int, default=15)
    ap.add_argument("--threads", type=int, default=0, help="0: every core")
    ap.add_argument("--runs", type=int, default=1,
                    help="timed fits after a one-iteration warm-up, median reported (as bench --stage train --runs)")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()

    from implicit.cpu.als import AlternatingLeastSquares

    train = read_csv(os.path.join(a.dir, "train"))
    holdout = read_csv(os.path.join(a.dir, "holdout"))
    users = int(max(train[:, 0].max(), holdout[:, 0].max())) + 1
    items = int(max(train[:, 1].max(), holdout[:, 1].max())) + 1
    confidence = 1.0 + a.alpha * train[:, 2]
    matrix = sp.csr_matrix((confidence.astype(np.float32), (train[:, 0].astype(int), train[:, 1].astype(int))),
                           shape=(users, items))
    holdout_by_user = {}
    for u, i in holdout[:, :2].astype(int):
        if matrix.indptr[u + 1] > matrix.indptr[u]:
            holdout_by_user.setdefault(u, set()).add(i)

    def model(iterations):
        return AlternatingLeastSquares(factors=a.factors, regularization=a.regularization, alpha=1.0,
                                       iterations=iterations, random_state=42, num_threads=a.threads)

    runs = []
    if a.runs > 1:
        model(1).fit(matrix, show_progress=False)
    for _ in range(a.runs):
        fitted = model(a.iterations)
        start = time.perf_counter()
        fitted.fit(matrix, show_progress=False)
        runs.append(time.perf_counter() - start)
    seconds = float(np.median(runs))
    ndcg = ndcg_at_k(fitted.user_factors, fitted.item_factors, matrix, holdout_by_user, 10)
    out = {"library": "implicit", "factors": a.factors, "regularization": a.regularization, "alpha": a.alpha,
           "iterations": a.iterations, "users": users, "items": items, "interactions": int(matrix.nnz),
           "fit_seconds": seconds, "fit_seconds_each": runs, "ndcg@10": ndcg, "users_evaluated": len(holdout_by_user)}
    print(json.dumps(out, indent=2))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
