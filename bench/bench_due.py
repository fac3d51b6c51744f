"""Issue 11's promises: `svcdesk due` on the 1,000,000-ticket database with 5,000 sites at most
1.3x `sla overdue` on it, and `inspect plan` for 5,000 sites under 5 s.

    python bench/gen_tickets.py /tmp/bench1m5k.db --sites 5000
    env -u PYTHONDONTWRITEBYTECODE /tmp/bench-venv/bin/svcdesk --db /tmp/bench1m5k.db sla recompute
    env -u PYTHONDONTWRITEBYTECODE /tmp/bench-venv/bin/python bench/bench_due.py /tmp/bench1m5k.db

Both commands print to a pipe (plain text), as cron runs them; `due` lists every site behind
its inspections too (the generated sites have none: all 5,000 are behind).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from harness import env, measure, peak_rss_mib, report, svcdesk


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db", help="a generated database with clocks (gen_tickets + recompute)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--year", type=int, default=2027)
    args = ap.parse_args()
    cmds = {
        "overdue": svcdesk("--db", args.db, "sla", "overdue", "-f", "plain"),
        "due": svcdesk("--db", args.db, "due", "-f", "plain"),
    }
    t = measure(cmds, rounds=args.rounds)
    for name, secs in t.items():
        print(f"# {name:<56} {secs * 1000:8.1f} ms (median)")
    ok = report([("due / sla overdue (plain, generated database)", t["due"] / t["overdue"], 1.3)])
    print(f"{'peak memory of due':<58} {peak_rss_mib(cmds['due']):6.0f} MiB")
    import subprocess

    out = Path(tempfile.mkdtemp(prefix="svcdesk-plan-")) / "plan.ics"
    start = time.perf_counter()
    subprocess.run(svcdesk("--db", args.db, "inspect", "plan", "--year", str(args.year),
                           "-o", str(out)), env=env(), check=True,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    secs = time.perf_counter() - start
    good = secs < 5
    ok &= good
    print(f"{'inspect plan --year ' + str(args.year) + ' (every site)':<58} {secs:6.2f} s   "
          f"(limit 5 s)  {'ok' if good else 'TOO SLOW'}; {out.stat().st_size // 1024} KiB")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
