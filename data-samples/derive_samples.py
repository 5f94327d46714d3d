#!/usr/bin/env python3
"""Derive the bundled recsys-nightly sample inputs from MovieLens ml-latest-small.

Usage (from the repo root):

    python3 data-samples/derive_samples.py [--source DIR] [--out DIR]

Defaults: --source <script dir>/../../shared/datasets/ml-latest-small
          --out    <script dir>

Standard library only. Deterministic: the only "randomness" is sha1 of fixed
strings, so every run over the same source writes the same bytes.
See data-samples/README.md for the mapping rules.
"""

import argparse
import csv
import hashlib
import re
import shutil
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

SCRIPT_DIR = Path(__file__).resolve().parent
DEFAULT_SOURCE = SCRIPT_DIR / ".." / ".." / "shared" / "datasets" / "ml-latest-small"

NO_GENRE = "(no genres listed)"
UNKNOWN_CATEGORY = "Unknown"
TS_FORMAT = "%Y-%m-%d %H:%M:%S"
YEAR_RE = re.compile(r"\((\d{4})\)\s*$")

N_COLD_USERS = 8
N_DELETED_USERS = 5
UNKNOWN_DELETION_ID = "u999999"
BLOCKLIST_RANKS = range(3, 31, 3)  # 3, 6, ..., 30 (1-based popularity ranks)
SURVEY_SIZE = 5  # first N ratings form the sign-up "survey"


def sha1_hex(text):
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def user_id(raw):
    return "u" + raw


def item_id(raw):
    return "m" + raw


def iso_utc(epoch_seconds):
    return datetime.fromtimestamp(int(epoch_seconds), tz=timezone.utc).strftime(TS_FORMAT)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return len(rows)


def movie_categories(movies):
    """movieId -> most specific genre (fewest movies in movies.csv; ties alphabetical)."""
    genre_count = Counter()
    for m in movies:
        for g in m["genres"].split("|"):
            genre_count[g] += 1
    cats = {}
    for m in movies:
        genres = m["genres"].split("|")
        if genres == [NO_GENRE] or NO_GENRE in genres:
            cats[m["movieId"]] = UNKNOWN_CATEGORY
        else:
            cats[m["movieId"]] = min(genres, key=lambda g: (genre_count[g], g))
    return cats


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE,
                    help="ml-latest-small directory (default: %(default)s)")
    ap.add_argument("--out", type=Path, default=SCRIPT_DIR,
                    help="output directory (default: %(default)s)")
    args = ap.parse_args(argv)
    src = args.source.resolve()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)

    ratings = read_csv(src / "ratings.csv")
    tags = read_csv(src / "tags.csv")
    movies = read_csv(src / "movies.csv")

    # ---- items.csv -------------------------------------------------------
    cats = movie_categories(movies)
    item_rows = []
    for m in sorted(movies, key=lambda m: int(m["movieId"])):
        mid = item_id(m["movieId"])
        year = YEAR_RE.search(m["title"])
        created = f"{year.group(1)}-01-01 00:00:00" if year else ""
        available = "false" if sha1_hex(mid)[:2] in ("00", "01") else "true"
        item_rows.append((mid, cats[m["movieId"]], created, available))

    # ---- users.csv -------------------------------------------------------
    rating_user_ids = sorted({r["userId"] for r in ratings}, key=int)
    by_user = {}
    for r in ratings:
        by_user.setdefault(r["userId"], []).append(r)
    user_rows = []
    for uid in rating_user_ids:
        u = user_id(uid)
        if sha1_hex(u).startswith("0"):
            segment = ""  # skipped the sign-up survey
        else:
            first = sorted(by_user[uid], key=lambda r: (int(r["timestamp"]), int(r["movieId"])))
            votes = Counter(cats[r["movieId"]] for r in first[:SURVEY_SIZE])
            top = max(votes.values())
            segment = "signup_" + min(g for g, c in votes.items() if c == top)
        user_rows.append((u, segment))

    cold = sorted(rating_user_ids, key=lambda uid: sha1_hex("cold:" + user_id(uid)))[:N_COLD_USERS]
    cold_users = {user_id(uid) for uid in cold}

    # ---- events.csv ------------------------------------------------------
    events = []
    for r in ratings:
        events.append((user_id(r["userId"]), item_id(r["movieId"]), "rating",
                       iso_utc(r["timestamp"]), r["rating"]))
    for t in tags:
        events.append((user_id(t["userId"]), item_id(t["movieId"]), "tag",
                       iso_utc(t["timestamp"]), ""))
    events = [e for e in events if e[0] not in cold_users]
    events.sort(key=lambda e: (e[3], e[0], e[1], e[2]))  # plain string order; stable

    # ---- deletions.csv ---------------------------------------------------
    event_users = {e[0] for e in events}
    deleted = sorted(event_users, key=lambda u: sha1_hex("delete:" + u))[:N_DELETED_USERS]
    deletion_rows = [(u,) for u in deleted] + [(UNKNOWN_DELETION_ID,)]

    # ---- blocklist.csv ---------------------------------------------------
    rating_count = Counter(r["movieId"] for r in ratings)
    ranked = sorted(rating_count, key=lambda mid: (-rating_count[mid], int(mid)))
    blocklist_rows = [(item_id(ranked[k - 1]),) for k in BLOCKLIST_RANKS]

    # ---- write -----------------------------------------------------------
    counts = {
        "events.csv": write_csv(out / "events.csv",
                                ("user_id", "item_id", "event_type", "event_ts", "value"), events),
        "items.csv": write_csv(out / "items.csv",
                               ("item_id", "category", "created_ts", "available"), item_rows),
        "users.csv": write_csv(out / "users.csv", ("user_id", "segment"), user_rows),
        "deletions.csv": write_csv(out / "deletions.csv", ("user_id",), deletion_rows),
        "blocklist.csv": write_csv(out / "blocklist.csv", ("item_id",), blocklist_rows),
    }
    shutil.copyfile(src / "README.txt", out / "LICENSE-movielens.txt")

    newest = max(e[3] for e in events)
    run_date = (datetime.strptime(newest, TS_FORMAT) + timedelta(days=1)).date().isoformat()
    for name, n in counts.items():
        print(f"{name}: {n} rows ({(out / name).stat().st_size} bytes)")
    print(f"LICENSE-movielens.txt: copied from {src / 'README.txt'}")
    print(f"cold sign-up users: {' '.join(sorted(cold_users, key=lambda u: int(u[1:])))}")
    print(f"deleted users: {' '.join(deleted)} (+ {UNKNOWN_DELETION_ID}, unknown)")
    print(f"blocklist: {' '.join(r[0] for r in blocklist_rows)}")
    print(f"newest event timestamp: {newest} UTC")
    print(f"run date = day after newest event: {run_date}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
