"""Issue 19's board promise: `sla board` streams like the lists, measured in one run.

    env -u PYTHONDONTWRITEBYTECODE python bench/bench_board.py                # 200,000 open
    env -u PYTHONDONTWRITEBYTECODE python bench/bench_board.py --tickets 50000 --rounds 3
    env -u PYTHONDONTWRITEBYTECODE python bench/bench_board.py --db /tmp/board.db   # reuse one

It builds, in a temporary folder (or reuses `--db`), a database of N tickets all open
(`gen_tickets.py --tickets N --open N`, then `svcdesk sla recompute`, so the clocks are what
svcdesk derives; most are overdue, as the generator's tickets span three years), then times
round-robin, median of several rounds (harness.py), in a pipe, every format of

    svcdesk sla board -f FORMAT      against      svcdesk ticket list --status open -f FORMAT

(table, plain, md, csv, json: in a pipe the board prints every row, as the list does; on a
terminal it prints one page, `--all` every row). The target: every ratio at most 1.5x. It
also prints the board's peak memory in JSON. Exit status 1 when a target fails.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import PY, env, measure, peak_rss_mib, report, svcdesk

HERE = Path(__file__).resolve().parent
FORMATS = ("table", "plain", "md", "csv", "json")
LIMIT = 1.5


def build(db: Path, tickets: int) -> None:
    t0 = time.perf_counter()
    gen = [PY, str(HERE / "gen_tickets.py"), str(db), "--tickets", str(tickets),
           "--open", str(tickets), "--force"]  # fmt: skip
    subprocess.run(gen, env=env(), check=True, stderr=subprocess.DEVNULL)
    subprocess.run(svcdesk("--db", str(db), "sla", "recompute"), env=env(), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    print(f"# database: {tickets:,} open tickets ({time.perf_counter() - t0:.0f} s)", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickets", type=int, default=200_000, help="open tickets (default 200000)")
    ap.add_argument("--db", help="use this database (gen_tickets.py + sla recompute) instead")
    ap.add_argument("--rounds", type=int, default=5, help="rounds per command (default 5)")
    ap.add_argument("--formats", default=",".join(FORMATS), help="comma-separated formats")
    args = ap.parse_args()
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if not set(formats) <= set(FORMATS):
        ap.error(f"--formats: choose from {', '.join(FORMATS)}")
    work = None
    if args.db:
        db = Path(args.db)
        if not db.is_file():
            ap.error(f"--db: no such file: {db}")
    else:
        work = Path(tempfile.mkdtemp(prefix="svcdesk-bench-board-"))
        db = work / "board.db"
        build(db, args.tickets)
    subprocess.run(svcdesk("--db", str(db), "db", "info"), env=env(), check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip  # any migration, before timing
    try:
        cmds = {}
        for fmt in formats:
            cmds[f"sla board -f {fmt}"] = svcdesk("--db", str(db), "sla", "board", "-f", fmt)
            cmds[f"ticket list --status open -f {fmt}"] = svcdesk(
                "--db", str(db), "ticket", "list", "--status", "open", "-f", fmt
            )
        t = measure(cmds, rounds=args.rounds)
        for name, secs in t.items():
            print(f"# {name:<56} {secs * 1000:8.0f} ms (median)")
        rows = [
            (f"sla board / ticket list --status open, -f {fmt}",
             t[f"sla board -f {fmt}"] / t[f"ticket list --status open -f {fmt}"], LIMIT)
            for fmt in formats
        ]  # fmt: skip
        ok = report(rows)
        if "json" in formats:
            rss = peak_rss_mib(cmds["sla board -f json"])
            print(f"{'peak memory of sla board -f json':<58} {rss:6.0f} MiB")
        return 0 if ok else 1
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
