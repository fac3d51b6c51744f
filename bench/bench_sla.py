"""Issue 3's speed promises, measured in one run.

    python bench/gen_tickets.py /tmp/bench1m.db && svcdesk --db /tmp/bench1m.db sla recompute
    env -u PYTHONDONTWRITEBYTECODE python bench/bench_sla.py --big /tmp/bench1m.db

- `sla overdue -f json` on 1,000,000 tickets (100,000 open): at most 1.2x
  `ticket list --status open -f json` on the same database; peak memory under 200 MiB.
- Opening, escalating and resolving a ticket: at most 20 ms above the same command with the
  SLA work (policy, calendar, clocks) switched off.
- `sla recompute` on the 1M database: under 60 s (`--recompute` times it; it rewrites clocks).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import PY, env, measure, peak_rss_mib, report, run_once, svcdesk

WITH_SLA = "import sys; from svcdesk.cli import main; main(sys.argv[1:])"
WITHOUT_SLA = (
    "import sys; import svcdesk.services.derived as d; d.compute_clocks = lambda *a, **k: []; "
    "from svcdesk.cli import main; main(sys.argv[1:])"
)


def sla_overhead(db: Path, rounds: int) -> dict[str, float]:
    """Median extra milliseconds that the SLA work adds to open, escalate and resolve."""

    def cmd(code: str, *args: str) -> list[str]:
        return [PY, "-c", code, "--db", str(db), *args]

    def ref(code: str) -> str:
        out = subprocess.run(cmd(code, "ticket", "open", "--site", "BJ-HD", "--title", "bench",
                                 "--category", "hardware", "-f", "json"),
                             env=env(), capture_output=True, text=True, check=True)  # fmt: skip
        return __import__("json").loads(out.stdout)["ref"]

    deltas: dict[str, list[float]] = {"open": [], "escalate": [], "resolve": []}
    for _ in range(rounds):
        timings: dict[tuple[str, str], float] = {}
        for label, code in (("with", WITH_SLA), ("without", WITHOUT_SLA)):
            timings[("open", label)] = run_once(
                cmd(
                    code,
                    "ticket",
                    "open",
                    "--site",
                    "BJ-HD",
                    "--title",
                    "bench",
                    "--category",
                    "hardware",
                )  # fmt: skip
            )
            t = ref(code)
            timings[("escalate", label)] = run_once(cmd(code, "ticket", "escalate", t))
            timings[("resolve", label)] = run_once(cmd(code, "ticket", "resolve", t, "--note", "x"))
        for op in deltas:
            deltas[op].append((timings[(op, "with")] - timings[(op, "without")]) * 1000)
    return {op: statistics.median(ms) for op, ms in deltas.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big", help="a 1M-ticket database with clocks (gen_tickets + recompute)")
    ap.add_argument("--recompute", action="store_true", help="also time sla recompute on --big")
    ap.add_argument("--rounds", type=int, default=9)
    args = ap.parse_args()
    ok = True
    work = Path(tempfile.mkdtemp(prefix="svcdesk-bench-"))
    small = work / "small.db"
    subprocess.run(svcdesk("--db", str(small), "init", "--demo"), env=env(), check=True,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    extra = sla_overhead(small, args.rounds)
    for op, ms in extra.items():
        good = ms <= 20
        ok &= good
        print(f"{'SLA work added to ticket ' + op:<58} {ms:6.1f} ms  (limit 20 ms)  "
              f"{'ok' if good else 'TOO SLOW'}")  # fmt: skip
    if args.big:
        cmds = {
            "list": svcdesk("--db", args.big, "ticket", "list", "--status", "open", "-f", "json"),
            "overdue": svcdesk("--db", args.big, "sla", "overdue", "-f", "json"),
        }
        t = measure(cmds, rounds=args.rounds)
        for name, secs in t.items():
            print(f"# {name:<56} {secs * 1000:8.1f} ms (median)")
        ok &= report([("sla overdue -f json / ticket list --status open -f json (1M)",
                       t["overdue"] / t["list"], 1.2)])  # fmt: skip
        rss = peak_rss_mib(cmds["overdue"])
        print(f"{'peak memory of sla overdue (1M)':<58} {rss:6.0f} MiB (limit 200 MiB)  "
              f"{'ok' if rss < 200 else 'TOO BIG'}")  # fmt: skip
        ok &= rss < 200
        if args.recompute:
            copy = work / "recompute.db"
            shutil.copy(args.big, copy)
            start = time.perf_counter()
            subprocess.run(svcdesk("--db", str(copy), "sla", "recompute"), env=env(), check=True)
            secs = time.perf_counter() - start
            print(f"{'sla recompute (1M)':<58} {secs:6.1f} s   (limit 60 s)  "
                  f"{'ok' if secs < 60 else 'TOO SLOW'}")  # fmt: skip
            ok &= secs < 60
    shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
