"""Issue 19's promise: sync costs O(operations) whatever the number of assets at one site.

    env -u PYTHONDONTWRITEBYTECODE python bench/bench_sync_assets.py [--sizes 20000,100001]
        [--sites 5000] [--rounds 3] [--pg URL | --no-pg]

For each size N, two source replicas hold the same 5,000 sites (`--sites`) and N assets
imported from a CSV file with `svcdesk asset import` (the user's path): in one, every asset is
at one site (a data-centre registry); in the other they are spread round-robin over the sites.
Both hold exactly the same number of operations. Each is synced (`svcdesk --db SOURCE sync
TARGET`) into an empty SQLite hub file and into an empty PostgreSQL database, round-robin
(`--rounds` times each, a fresh target every time; only the sync is timed), and the median of
one site is compared with the median spread: at most 1.5x.

Before the serial's natural key was stored and indexed (m010), each merged asset looked its
serial up with an expression no index served: 20,000 assets at one site took 56 s and 100,001
did not finish in 8 minutes.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import env, report, svcdesk

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 1.5
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def make_source(path: Path, csv_file: Path, *, assets: int, sites: int, one_site: bool) -> None:
    """A replica with `sites` sites and `assets` assets imported from a CSV file."""
    sys.path.insert(0, str(ROOT))
    from svcdesk.services.dbadmin import init
    from svcdesk.services.session import open_database
    from svcdesk.services.sites import add_site

    db = open_database(str(path), create=True)
    init(db)
    with db.write():  # one transaction for every site
        for s in range(sites):
            add_site(db, code=f"S{s:05d}", name=f"site {s}")
    db.close()
    with csv_file.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["site", "kind", "serial", "model", "installed_on"])
        for i in range(assets):
            site = 0 if one_site else i % sites
            out.writerow([f"S{site:05d}", "server", f"SN-{i:07d}", "Inspur NF5280M6",
                          "2023-05-01"])  # fmt: skip
    proc = subprocess.run(svcdesk("--db", str(path), "asset", "import", str(csv_file)),
                          env=env(), capture_output=True, text=True)  # fmt: skip
    if proc.returncode:
        raise SystemExit(f"asset import failed: {proc.stderr.strip()}")


def init_target(target: str) -> None:
    proc = subprocess.run(svcdesk("--db", target, "init"), env=env(), capture_output=True,
                          text=True)  # fmt: skip
    if proc.returncode:
        raise SystemExit(f"init {target} failed: {proc.stderr.strip()}")


def timed_sync(source: Path, target: str, assets: int) -> float:
    """The time `svcdesk sync` takes; the target must then hold every asset."""
    start = time.perf_counter()
    proc = subprocess.run(svcdesk("--db", str(source), "sync", target), env=env(),
                          capture_output=True, text=True)  # fmt: skip
    secs = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"sync into {target} failed: {proc.stderr.strip()}")
    info = subprocess.run(svcdesk("--db", target, "db", "info", "-f", "json"), env=env(),
                          capture_output=True, text=True, check=True)  # fmt: skip
    held = json.loads(info.stdout)["asset"]
    if held != assets:
        raise SystemExit(f"sync into {target} left {held} assets of {assets}")
    return secs


class Targets:
    """Fresh empty hubs: SQLite files in `work`, or PostgreSQL databases beside `pg`."""

    def __init__(self, work: Path, pg: str | None) -> None:
        self.work, self.pg, self.made = work, pg, 0
        self.databases: list[str] = []

    def fresh(self, kind: str) -> str:
        self.made += 1
        if kind == "sqlite":
            path = self.work / f"hub{self.made}.db"
            init_target(str(path))
            return str(path)
        import psycopg

        assert self.pg is not None
        name = f"svcdesk_bench_assets_{os.getpid()}_{self.made}"
        with psycopg.connect(self.pg, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        url = self.pg.rsplit("/", 1)[0] + "/" + name
        init_target(url)
        return url

    def done(self, target: str) -> None:
        if target.startswith("postgresql"):
            import psycopg

            name = target.rsplit("/", 1)[1]
            with psycopg.connect(self.pg or DEFAULT_PG, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.databases.remove(name)
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(target + suffix).unlink(missing_ok=True)

    def close(self) -> None:
        for name in list(self.databases):
            self.done(self.pg.rsplit("/", 1)[0] + "/" + name if self.pg else name)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100001", help="comma-separated asset counts")
    ap.add_argument("--sites", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pg", default=os.environ.get("SVCDESK_TEST_PG_URL", DEFAULT_PG))
    ap.add_argument("--no-pg", action="store_true", help="SQLite hubs only")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    sizes = [int(s.replace("_", "").replace(",", "")) for s in args.sizes.split(",") if s]
    kinds = ["sqlite"] if args.no_pg else ["sqlite", "postgresql"]
    work = Path(tempfile.mkdtemp(prefix="svcdesk-bench-sync-assets-"))
    targets = Targets(work, None if args.no_pg else args.pg)
    ok = True
    try:
        for n in sizes:
            sources = {}
            for layout in ("one site", "spread"):
                src = work / f"{n}-{layout.replace(' ', '-')}.db"
                start = time.perf_counter()
                make_source(src, work / f"{n}.csv", assets=n, sites=args.sites,
                            one_site=layout == "one site")  # fmt: skip
                print(f"# source: {n:,} assets, {layout} ({args.sites:,} sites), made in "
                      f"{time.perf_counter() - start:.1f} s")  # fmt: skip
                sources[layout] = src
            for kind in kinds:
                times: dict[str, list[float]] = {"one site": [], "spread": []}
                for _ in range(args.rounds):
                    for layout, src in sources.items():
                        target = targets.fresh(kind)
                        times[layout].append(timed_sync(src, target, n))
                        targets.done(target)
                medians = {k: statistics.median(v) for k, v in times.items()}
                for layout, secs in medians.items():
                    every = ", ".join(f"{t:.1f}" for t in times[layout])
                    print(f"# sync {n:,} assets ({layout}) into an empty {kind} hub: "
                          f"{secs:6.1f} s median ({every})")  # fmt: skip
                ok &= report([(f"{n:,} assets at one site / spread, {kind}",
                               medians["one site"] / medians["spread"], LIMIT)])  # fmt: skip
    finally:
        targets.close()
        if args.keep:
            print(f"# kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
