"""Issue 5's speed promises, measured in one run.

    env -u PYTHONDONTWRITEBYTECODE python bench/bench_sync.py [--ops 100000] [--pg URL]

- 100,000 operations from one SQLite replica into another: under 10 s; into PostgreSQL on
  this machine: under 20 s; peak memory under 250 MiB.
- A sync with nothing new to exchange: at most 1.3x `ticket list` on the same database.

The source replica is filled through the store's transaction API (every row is logged, as the
services log them): tickets with an `opened` and a `comment` event each, so a third of the
operations are tickets and two thirds events.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import env, measure, peak_rss_mib, report, svcdesk

ROOT = Path(__file__).resolve().parent.parent


def fill(path: Path, ops: int) -> None:
    sys.path.insert(0, str(ROOT))
    from svcdesk import clock, ids
    from svcdesk.services.dbadmin import init
    from svcdesk.services.session import open_database as open_db
    from svcdesk.services.sites import add_site

    db = open_db(str(path), create=True)
    init(db)
    add_site(db, code="BJ-HD", name="Haidian")
    now = clock.to_epoch(clock.now())
    with db.write() as tx:
        site = tx.conn.execute("SELECT id FROM site").scalar()
        for n in range(1, ops // 3 + 1):
            tid = ids.uuid7()
            at = now - 86400 * 30 + n
            tx.insert("ticket", {
                "id": tid, "ref": f"{db.replica_code}-{n}", "site_id": site, "asset_id": None,
                "title": f"fault {n}", "category": "hardware", "severity": "normal",
                "channel": "phone", "status": "open", "assignee": None, "reporter": None,
                "due_at": None, "opened_at": at, "updated_at": at,
            })  # fmt: skip
            for kind in ("opened", "comment"):
                tx.insert("ticket_event", {
                    "id": ids.uuid7(), "ticket_id": tid, "kind": kind, "at": at,
                    "actor": "bench", "note": None, "data": None, "recorded_at": at,
                }, append_only=True)  # fmt: skip
        tx.conn.execute(
            "INSERT INTO svcdesk_meta (key, value) VALUES ('seq.ticket', :v)", {"v": ops // 3}
        )
    db.close()


def timed(*args: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run(svcdesk(*args), env=env(), capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(proc.stderr)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ops", type=int, default=100_000)
    default_pg = "postgresql://postgres@127.0.0.1:5432/postgres"
    ap.add_argument("--pg", default=os.environ.get("SVCDESK_TEST_PG_URL", default_pg))
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="svcdesk-bench-sync-"))
    source, target = work / "source.db", work / "target.db"
    fill(source, args.ops)
    subprocess.run(svcdesk("--db", str(target), "init"), env=env(), check=True,
                   capture_output=True)  # fmt: skip
    ok = True
    secs = timed("--db", str(source), "sync", str(target))
    print(f"{'sync ' + str(args.ops) + ' operations SQLite -> SQLite':<58} {secs:6.1f} s   "
          f"(limit 10 s)  {'ok' if secs < 10 else 'TOO SLOW'}")  # fmt: skip
    ok &= secs < 10
    fresh = work / "target2.db"
    subprocess.run(svcdesk("--db", str(fresh), "init"), env=env(), check=True,
                   capture_output=True)  # fmt: skip
    rss = peak_rss_mib(svcdesk("--db", str(source), "sync", str(fresh)))
    print(f"{'peak memory of that sync':<58} {rss:6.0f} MiB (limit 250 MiB)  "
          f"{'ok' if rss < 250 else 'TOO BIG'}")  # fmt: skip
    ok &= rss < 250
    import psycopg

    name = f"svcdesk_bench_{os.getpid()}"
    with psycopg.connect(args.pg, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    hub = args.pg.rsplit("/", 1)[0] + "/" + name
    try:
        subprocess.run(svcdesk("--db", hub, "init"), env=env(), check=True, capture_output=True)
        secs = timed("--db", str(source), "sync", hub)
        print(f"{'sync ' + str(args.ops) + ' operations SQLite -> PostgreSQL':<58} {secs:6.1f} s   "
              f"(limit 20 s)  {'ok' if secs < 20 else 'TOO SLOW'}")  # fmt: skip
        ok &= secs < 20
    finally:
        with psycopg.connect(args.pg, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    t = measure({
        "ticket list": svcdesk("--db", str(source), "ticket", "list"),
        "sync (nothing new)": svcdesk("--db", str(source), "sync", str(target)),
    }, rounds=7)  # fmt: skip
    for label, s in t.items():
        print(f"# {label:<56} {s * 1000:8.1f} ms (median)")
    ratio = t["sync (nothing new)"] / t["ticket list"]
    ok &= report([("sync with nothing new / ticket list", ratio, 1.3)])
    shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
