"""Issue 10's speed promises, side by side with Taskwarrior 2.6.2, measured in one run.

    apt-get install -y taskwarrior sqlite3          # benchmark tools only, not dependencies
    env -u PYTHONDONTWRITEBYTECODE python bench/bench_taskwarrior.py --n 20000 --n 200000
    env -u PYTHONDONTWRITEBYTECODE python bench/bench_taskwarrior.py --million   # adds ~5 min

For each N it builds, in a temporary folder, a svcdesk database of N open tickets
(`gen_tickets.py --tickets N --open N`, then `svcdesk sla recompute`, so clocks are what svcdesk
itself derives; most are overdue, as the generator's tickets span three years) and a Taskwarrior
data folder of the same N items as pending tasks (`task import` of a JSON file: description =
title, project = site, priority from severity, tag = category, entry = opened, due = the
ticket's next SLA deadline, so the same tickets are overdue in both). Then it times, round-robin
with the median of several rounds (see harness.py):

- `ticket list --status open` in a pipe (plain) against `task list` and against its own JSON;
  every list format (plain, md, csv, table) against `-f json`;
- `sla overdue --check -q` (`--check` alone where `-q` does not exist yet) against
  `svcdesk --version` and `task +OVERDUE count`; `sla overdue -f json` against
  `task +OVERDUE export`;
- `ticket show REF` against `task ID info` (the same item); `ticket open` against `task add`;
- the peak memory of every command, each run once more on its own.

With `--million` (or `--million-db PATH`, a database made by `gen_tickets.py` and
`sla recompute`), `ticket list --status all -f csv` of 1,000,000 tickets against the sqlite3
shell printing the same columns. The targets (issue 10): every list format at most 1.5x its
JSON; `sla overdue --check -q` at most 1.2x `svcdesk --version` and ahead of
`task +OVERDUE count`; the 1M CSV within 3x the sqlite3 shell; svcdesk ahead of Taskwarrior on
every pair at 200,000. Exit status 1 when a target fails.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from harness import PY, env, svcdesk

HERE = Path(__file__).resolve().parent
FORMATS = ("plain", "md", "csv", "table")
PRIORITY = {"major": "H", "normal": "M", "minor": "L", "upgrade": "L"}
PAIR_AT = 200_000  # "ahead of Taskwarrior on every pair at 200,000"
ENV = env()
TIME = "/usr/bin/time"  # GNU time, for peak memory (Debian package `time`)

# The sqlite3 shell printing the columns of `ticket list --status all -f csv`, newest first
# (the clocks as stored, compact arrays, where svcdesk renders clock records).
SQLITE_CSV = """
SELECT t.id, t.ref, t.title, s.code AS site, a.ref AS asset, t.category, t.severity, t.channel,
       t.status, t.assignee, t.reporter,
       strftime('%Y-%m-%dT%H:%M:%S+08:00', t.opened_at + 28800, 'unixepoch') AS opened_at,
       strftime('%Y-%m-%dT%H:%M:%S+08:00', t.due_at + 28800, 'unixepoch') AS due_at,
       strftime('%Y-%m-%dT%H:%M:%S+08:00', t.updated_at + 28800, 'unixepoch') AS updated_at,
       t.clocks
FROM ticket t JOIN site s ON s.id = t.site_id LEFT JOIN asset a ON a.id = t.asset_id
ORDER BY t.opened_at DESC, t.id DESC
"""


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def check_tools() -> None:
    for tool, package in (("task", "taskwarrior"), ("sqlite3", "sqlite3"), (TIME, "time")):
        if not shutil.which(tool):
            raise SystemExit(f"bench_taskwarrior: {tool} not found; apt-get install -y {package}")
    out = subprocess.run(["task", "--version"], capture_output=True, text=True).stdout.strip()
    if out != "2.6.2":
        log(f"warning: Taskwarrior {out or '?'} (the issue measured 2.6.2)")


def build_svcdesk(db: Path, tickets: int, open_: int) -> None:
    t0 = time.perf_counter()
    gen = [
        PY,
        str(HERE / "gen_tickets.py"),
        str(db),
        "--tickets",
        str(tickets),
        "--open",
        str(open_),
        "--force",
    ]
    subprocess.run(gen, env=env(), check=True, stderr=subprocess.DEVNULL)
    subprocess.run(
        svcdesk("--db", str(db), "sla", "recompute"),
        env=env(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    log(f"svcdesk database: {tickets:,} tickets, {open_:,} open ({time.perf_counter() - t0:.0f} s)")


def taskrc(work: Path) -> Path:
    data = work / "task"
    data.mkdir()
    rc = work / "taskrc"
    rc.write_text(
        f"data.location={data}\n"
        "confirmation=off\nhooks=off\nverbose=nothing\ncolor=off\n"
        "news.version=2.6.2\n"  # no "run task news" notice
    )
    return rc


def task(rc: Path, *args: str) -> list[str]:
    return ["task", f"rc:{rc}", *args]


def stamp(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y%m%dT%H%M%SZ")


def build_taskwarrior(db: Path, rc: Path, work: Path) -> list[tuple[str, str]]:
    """Import the open tickets of `db` as pending tasks; (ticket id, ref) in task ID order."""
    t0 = time.perf_counter()
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute(
        "SELECT t.id, t.ref, t.title, s.code, t.severity, t.category, t.opened_at, t.updated_at, "
        "COALESCE(t.next_due_at, t.due_at) FROM ticket t JOIN site s ON s.id = t.site_id "
        "WHERE t.status <> 'closed' ORDER BY t.opened_at, t.id"
    ).fetchall()
    con.close()
    path = work / "tasks.json"
    with path.open("w") as f:
        for tid, _ref, title, site, severity, category, opened, updated, due in rows:
            rec = {
                "uuid": tid,
                "status": "pending",
                "description": title,
                "project": site,
                "priority": PRIORITY[severity],
                "tags": [category],
                "entry": stamp(opened),
                "modified": stamp(updated),
            }
            if due is not None:
                rec["due"] = stamp(due)
            f.write(json.dumps(rec) + "\n")
    subprocess.run(
        task(rc, "import", str(path)),
        env=env(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    count = subprocess.run(
        task(rc, "status:pending", "count"), env=env(), check=True, capture_output=True, text=True
    ).stdout.strip()
    if count != str(len(rows)):
        raise SystemExit(f"bench_taskwarrior: task import made {count} tasks, not {len(rows)}")
    log(f"Taskwarrior data: {len(rows):,} pending tasks ({time.perf_counter() - t0:.0f} s)")
    return [(r[0], r[1]) for r in rows]


def overdue_count(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(
            con.execute(
                "SELECT count(*) FROM ticket WHERE status <> 'closed' AND next_due_at < ?",
                (int(time.time()),),
            ).fetchone()[0]
        )
    finally:
        con.close()


def quiet_check(db: Path) -> list[str]:
    """`sla overdue --check -q`, or `--check` alone while -q is refused."""
    argv = svcdesk("--db", str(db), "sla", "overdue", "--check", "-q")
    proc = subprocess.run(argv, env=env(), capture_output=True, text=True)
    if proc.returncode == 2 and "-q" in proc.stderr:
        log("sla overdue --check -q refused (no -q yet): measuring --check")
        return argv[:-1]
    return argv


def run(argv: Sequence[str]) -> float:
    """Wall seconds of one run of `argv`, its output to /dev/null (not a terminal)."""
    start = time.perf_counter()
    proc = subprocess.run(argv, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 3):
        raise SystemExit(f"bench_taskwarrior: {' '.join(argv)} failed: {proc.stderr.decode()}")
    return elapsed


def run_peak(argv: Sequence[str], work: Path) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of one run under GNU time.

    GNU time, not the rusage of a child of this process: a child forked from Python counts
    Python's own memory before it execs. Its start-up (about 3 ms) is why only the warm-up
    runs under it.
    """
    out = work / "peak"
    secs = run([TIME, "-f", "%M", "-o", str(out), *argv])
    return secs, int(out.read_text().split()[-1]) / 1024


def measure(
    cmds: dict[str, list[str]], rounds: int, slow: float, work: Path
) -> tuple[dict[str, float], dict[str, float], set[str]]:
    """Median seconds and peak MiB of each command, run round-robin after one warm-up each.

    The warm-up gives the peak memory. A command whose warm-up took longer than `slow`
    seconds is not run again: the warm-up is its time (the names come back in the third item),
    so one slow format does not take the hour.
    """
    times: dict[str, list[float]] = {name: [] for name in cmds}
    peaks: dict[str, float] = {}
    for name, argv in cmds.items():
        secs, peaks[name] = run_peak(argv, work)
        if secs > slow:
            times[name].append(secs)
    once = {name for name, ts in times.items() if ts}
    for _ in range(rounds):
        for name, argv in cmds.items():
            if name not in once:
                times[name].append(run(argv))
    return {name: statistics.median(ts) for name, ts in times.items()}, peaks, once


class Result(NamedTuple):
    times: dict[str, float]  # median seconds
    peaks: dict[str, float]  # MiB, of the warm-up run
    once: set[str]  # measured once (slower than --slow)
    q: str  # the name of the quiet check measured


def bench_n(n: int, work: Path, rounds: int, slow: float) -> Result:
    """Every command at N open tickets / pending tasks."""
    here = work / f"n{n}"
    here.mkdir()
    db = here / "svcdesk.db"
    build_svcdesk(db, n, n)
    rc = taskrc(here)
    order = build_taskwarrior(db, rc, here)
    late = overdue_count(db)
    log(f"N={n:,}: {late:,} tickets ({late / max(n, 1):.0%}) have an overdue clock")
    task_id = len(order) // 2 + 1
    ticket_id, ref = order[task_id - 1]
    uuid = subprocess.run(
        task(rc, "_get", f"{task_id}.uuid"), env=env(), capture_output=True, text=True, check=True
    ).stdout.strip()
    if uuid != ticket_id:
        raise SystemExit(f"bench_taskwarrior: task {task_id} is {uuid}, not ticket {ref}")
    check = quiet_check(db)
    q = "sla overdue --check -q" if check[-1] == "-q" else "sla overdue --check (no -q)"

    def sd(*args: str) -> list[str]:
        return svcdesk("--db", str(db), *args)

    lst = ("ticket", "list", "--status", "open")
    groups: dict[str, dict[str, list[str]]] = {
        "list": {
            "ticket list --status open (plain)": sd(*lst),
            **{f"ticket list --status open -f {f}": sd(*lst, "-f", f) for f in ("md", "csv")},
            "ticket list --status open -f json": sd(*lst, "-f", "json"),
            "ticket list --status open -f table": sd(*lst, "-f", "table"),
            "task list": task(rc, "list"),
        },
        "overdue": {
            "svcdesk --version": svcdesk("--version"),
            q: check,
            "task +OVERDUE count": task(rc, "+OVERDUE", "count"),
            "sla overdue -f json": sd("sla", "overdue", "-f", "json"),
            "task +OVERDUE export": task(rc, "+OVERDUE", "export"),
        },
        "show": {
            "ticket show REF": sd("ticket", "show", ref),
            "task ID info": task(rc, str(task_id), "info"),
        },
        "open": {
            "ticket open": sd(
                "ticket",
                "open",
                "--site",
                "TB-0001",
                "--title",
                "Benchmark: printer jammed",
                "--category",
                "hardware",
            ),
            "task add": task(
                rc, "add", "Benchmark: printer jammed", "project:TB-0001", "+hardware", "priority:M"
            ),
        },
    }
    times: dict[str, float] = {}
    peaks: dict[str, float] = {}
    once: set[str] = set()
    for name, cmds in groups.items():
        t0 = time.perf_counter()
        t, p, o = measure(cmds, rounds, slow, work)
        times.update(t)
        peaks.update(p)
        once |= o
        log(f"N={n:,}: {name} measured ({time.perf_counter() - t0:.0f} s)")
    shutil.rmtree(here, ignore_errors=True)
    return Result(times, peaks, once, q)


def bench_million(work: Path, existing: str | None, rounds: int, slow: float) -> Result:
    if existing:
        db = Path(existing)
    else:
        db = work / "million.db"
        build_svcdesk(db, 1_000_000, 100_000)
    cmds = {
        "ticket list --status all -f csv (1M)": svcdesk(
            "--db", str(db), "ticket", "list", "--status", "all", "-f", "csv"
        ),
        "sqlite3 -csv (1M)": ["sqlite3", "-readonly", "-csv", "-header", str(db), SQLITE_CSV],
    }
    t0 = time.perf_counter()
    times, peaks, once = measure(cmds, rounds, slow, work)
    log(f"1M: measured ({time.perf_counter() - t0:.0f} s)")
    if not existing:
        db.unlink(missing_ok=True)
    return Result(times, peaks, once, "")


def table(res: Result) -> None:
    print("| command | median | peak memory |\n| --- | --- | --- |")
    for name, secs in res.times.items():
        runs = " (1 run)" if name in res.once else ""
        print(f"| `{name}` | {secs * 1000:,.0f} ms{runs} | {res.peaks[name]:,.0f} MiB |")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--n",
        type=int,
        action="append",
        metavar="N",
        help="open tickets / pending tasks (repeatable; default 20000 and 200000)",
    )
    ap.add_argument("--rounds", type=int, help="rounds per command (default 5, --quick 3)")
    ap.add_argument(
        "--quick", action="store_true", help="3 rounds, and only N=20000 unless --n is given"
    )
    ap.add_argument(
        "--slow",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="a command slower than this is run once, not every round (default 60)",
    )
    ap.add_argument(
        "--million",
        action="store_true",
        help="also the 1M-ticket CSV against the sqlite3 shell (builds a 1M database)",
    )
    ap.add_argument(
        "--million-db",
        metavar="PATH",
        help="use this 1M database (gen_tickets.py + sla recompute) for --million",
    )
    args = ap.parse_args()
    sizes = args.n or ([20_000] if args.quick else [20_000, 200_000])
    if any(n < 2 for n in sizes):
        ap.error("--n must be at least 2")
    rounds = args.rounds or (3 if args.quick else 5)
    if rounds < 1:
        ap.error("--rounds must be at least 1")
    if args.million_db and not Path(args.million_db).is_file():
        ap.error(f"--million-db: no such file: {args.million_db}")
    check_tools()
    work = Path(tempfile.mkdtemp(prefix="svcdesk-bench-tw-"))
    rows: list[tuple[str, str, float, str, bool | None]] = []  # what, N, value, limit, ok
    mem: dict[int, dict[str, float]] = {}
    try:
        for n in sizes:
            res = bench_n(n, work, rounds, args.slow)
            t, q = res.times, res.q
            mem[n] = res.peaks
            print(f"\n## N = {n:,} (median of {rounds} rounds after a warm-up)\n")
            table(res)
            json_t = t["ticket list --status open -f json"]
            for f in FORMATS:
                name = f"ticket list --status open{' -f ' + f if f != 'plain' else ' (plain)'}"
                rows.append(
                    (
                        f"`{name}` / its JSON",
                        f"{n:,}",
                        t[name] / json_t,
                        "1.5x",
                        t[name] / json_t <= 1.5,
                    )
                )
            r = t[q] / t["svcdesk --version"]
            rows.append((f"`{q}` / `svcdesk --version`", f"{n:,}", r, "1.2x", r <= 1.2))
            pairs = (
                ("ticket list --status open (plain)", "task list"),
                (q, "task +OVERDUE count"),
                ("sla overdue -f json", "task +OVERDUE export"),
                ("ticket show REF", "task ID info"),
                ("ticket open", "task add"),
            )
            for ours, theirs in pairs:
                r = t[ours] / t[theirs]
                # ahead of +OVERDUE count is a target at every N; the other pairs at 200,000
                target = ours == q or n >= PAIR_AT
                rows.append(
                    (
                        f"`{ours}` / `{theirs}`",
                        f"{n:,}",
                        r,
                        "<1.0x" if target else "",
                        r < 1.0 if target else None,
                    )
                )
            sys.stdout.flush()
        if args.million or args.million_db:
            res = bench_million(work, args.million_db, rounds, args.slow)
            print("\n## 1,000,000 tickets (100,000 open)\n")
            table(res)
            r = res.times["ticket list --status all -f csv (1M)"] / res.times["sqlite3 -csv (1M)"]
            rows.append(
                (
                    "`ticket list --status all -f csv` / `sqlite3 -csv`",
                    "1,000,000",
                    r,
                    "3.0x",
                    r <= 3.0,
                )
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    if len(mem) > 1:
        lo, hi = min(mem), max(mem)
        print(f"\n## Peak memory, N = {lo:,} -> {hi:,} (constant memory: about 1x)\n")
        print("| command | peak | growth |\n| --- | --- | --- |")
        for name in mem[hi]:
            print(
                f"| `{name}` | {mem[lo][name]:,.0f} -> {mem[hi][name]:,.0f} MiB | "
                f"{mem[hi][name] / mem[lo][name]:.1f}x |"
            )
    print("\n## Targets (issue 10)\n")
    print("| ratio | N | measured | target | |\n| --- | --- | --- | --- | --- |")
    ok = True
    for what, n_, ratio, limit, good in rows:
        ok &= good is not False
        mark = "" if good is None else verdict(good)
        print(f"| {what} | {n_} | {ratio:.2f}x | {limit} | {mark} |")
    print(f"\n{'every target met' if ok else 'some targets FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
