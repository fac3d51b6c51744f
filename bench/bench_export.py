"""Issue 12's speed promises for `svcdesk export` (run by hand, not by the test suite).

    python bench/gen_tickets.py /tmp/bench1m.db && svcdesk --db /tmp/bench1m.db sla recompute
    env -u PYTHONDONTWRITEBYTECODE python bench/bench_export.py --db /tmp/bench1m.db
    env -u PYTHONDONTWRITEBYTECODE python bench/bench_export.py --tickets 200000   # builds one

- `export tickets -o FILE.csv` of every ticket of a 1,000,000-ticket database: under 15 s,
  peak memory under 150 MiB (constant: the same at 200,000);
- `export tickets -o FILE.xlsx` of 200,000 rows (the newest 200,000 tickets of the database,
  picked with --since): under 30 s.

The limits are absolute, but these machines are shared and times drift, so each command also
runs round-robin with the floor `python -c "import sqlmodel"` (harness.py) and its median
ratio to that floor is printed, to compare runs made at different loads. Peak memory is GNU
time's maximum resident set size (`/usr/bin/time -v`) of one run. Every written file is
checked: one line or row per ticket, and the header.

Without --db, a database of --tickets tickets (10% not closed) is generated in a temporary
folder with gen_tickets.py and its clocks computed with `sla recompute` (that takes a while
for 1,000,000: about 11 minutes on a busy machine).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from harness import PY, env, measure, svcdesk

TIME = "/usr/bin/time"  # GNU time (Debian package `time`)
CSV_LIMIT_S, CSV_LIMIT_MIB, XLSX_LIMIT_S = 15.0, 150.0, 30.0
XLSX_ROWS = 200_000
HERE = Path(__file__).resolve().parent


def peak_mib(argv: list[str]) -> float:
    """Maximum resident set size of one run of `argv`, from GNU time -v."""
    proc = subprocess.run([TIME, "-v", *argv], env=env(), stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {proc.stderr.strip()[-2000:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    if m is None:
        raise SystemExit("GNU time printed no maximum resident set size")
    return int(m.group(1)) / 1024


def build(folder: Path, tickets: int) -> Path:
    db = folder / f"bench{tickets}.db"
    subprocess.run([PY, str(HERE / "gen_tickets.py"), str(db), "--tickets", str(tickets),
                    "--open", str(max(tickets // 10, 1))], env=env(), check=True)  # fmt: skip
    subprocess.run(svcdesk("--db", str(db), "sla", "recompute"), env=env(), check=True)
    return db


def newest_since(db: Path, rows: int) -> tuple[str, int]:
    """An instant (ISO 8601, UTC) from which `rows` tickets were opened (a few more on ties),
    and how many tickets that picks."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        (total,) = conn.execute("SELECT count(*) FROM ticket").fetchone()
        if total <= rows:
            return "1970-01-01T00:00:00+00:00", total
        (at,) = conn.execute("SELECT opened_at FROM ticket ORDER BY opened_at DESC "
                             "LIMIT 1 OFFSET :n", {"n": rows - 1}).fetchone()  # fmt: skip
        (picked,) = conn.execute("SELECT count(*) FROM ticket WHERE opened_at >= :a",
                                 {"a": at}).fetchone()  # fmt: skip
        return datetime.fromtimestamp(at, UTC).isoformat(), picked
    finally:
        conn.close()


def count_tickets(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM ticket").fetchone()[0]
    finally:
        conn.close()


def csv_records(path: Path) -> int:
    import csv

    with path.open(newline="", encoding="utf-8") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


def xlsx_records(path: Path) -> int:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return sum(ws.max_row for ws in book.worksheets) - len(book.worksheets)
    finally:
        book.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="a database made by gen_tickets.py (clocks computed)")
    ap.add_argument("--tickets", type=int, default=1_000_000, help="without --db: build one")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="svcdesk-bench-export-"))
    try:
        db = args.db if args.db is not None else build(work, args.tickets)
        total = count_tickets(db)
        since, picked = newest_since(db, XLSX_ROWS)
        out_csv, out_xlsx = work / "tickets.csv", work / "tickets.xlsx"
        commands = {
            "floor: python -c 'import sqlmodel'": [PY, "-c", "import sqlmodel"],
            f"export tickets -o tickets.csv ({total:,})": svcdesk(
                "--db", str(db), "export", "tickets", "-o", str(out_csv), "--force"),
            f"export tickets -o tickets.xlsx ({picked:,})": svcdesk(
                "--db", str(db), "export", "tickets", "--since", since, "-o", str(out_xlsx),
                "--force"),
        }  # fmt: skip
        floor, csv_name, xlsx_name = list(commands)
        print(f"# {db}: {total:,} tickets; xlsx of the {picked:,} opened since {since}")
        print(f"# {args.rounds} rounds, round-robin with the floor (one warm-up each)")
        times = measure(commands, rounds=args.rounds)
        csv_mib = peak_mib(commands[csv_name])
        xlsx_mib = peak_mib(commands[xlsx_name])
        rows_csv, rows_xlsx = csv_records(out_csv), xlsx_records(out_xlsx)
        if rows_csv != total or rows_xlsx != picked:
            raise SystemExit(f"wrong row counts: csv {rows_csv} (want {total}), "
                             f"xlsx {rows_xlsx} (want {picked})")  # fmt: skip
        ok = True
        print(f"{'what':<46} {'median':>9} {'/ floor':>9} {'limit':>9} {'peak':>9}")
        print(f"{floor:<46} {times[floor]:8.2f}s {1:8.2f}x {'':>9} {'':>9}")
        for name, limit, mib, mib_limit in ((csv_name, CSV_LIMIT_S, csv_mib, CSV_LIMIT_MIB),
                                            (xlsx_name, XLSX_LIMIT_S, xlsx_mib, None)):  # fmt: skip
            secs = times[name]
            good = secs < limit and (mib_limit is None or mib < mib_limit)
            ok &= good
            print(f"{name:<46} {secs:8.2f}s {secs / times[floor]:8.1f}x {limit:8.0f}s "
                  f"{mib:6.0f} MiB  {'ok' if good else 'TOO SLOW OR TOO BIG'}")  # fmt: skip
        print(f"# peak memory limit of the CSV export: {CSV_LIMIT_MIB:.0f} MiB; files: "
              f"{out_csv.stat().st_size / 2**20:.0f} MiB csv, "
              f"{out_xlsx.stat().st_size / 2**20:.0f} MiB xlsx")  # fmt: skip
        return 0 if ok else 1
    finally:
        if args.keep:
            print(f"# kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
