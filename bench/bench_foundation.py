"""Issue 2's speed promises, as ratios against floors measured in the same run.

    python bench/gen_tickets.py /tmp/bench1m.db            # once: 1,000,000 tickets
    env -u PYTHONDONTWRITEBYTECODE python bench/bench_foundation.py --big /tmp/bench1m.db

- `svcdesk --help` and shell completion (of a group's name, and of a command in a group): at
  most 1.4x `python -c "import typer"` (issue 19: the groups register lazily).
- `svcdesk ticket open ...` on an existing database: at most 1.3x
  `python -c "import typer, sqlmodel"`.
- `svcdesk ticket list --status open -f json` on 1,000,000 tickets (100,000 open): under 2x
  the same floor, peak memory under 200 MiB.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import PY, env, measure, peak_rss_mib, report, svcdesk


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big", help="a database made by gen_tickets.py (1M tickets)")
    ap.add_argument("--rounds", type=int, default=9)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="svcdesk-bench-"))
    small = work / "small.db"
    subprocess.run(
        svcdesk("--db", str(small), "init", "--demo"),
        env=env(),
        check=True,
        stderr=subprocess.DEVNULL,
    )
    floor_typer = [PY, "-c", "import typer"]
    floor_sqlmodel = [PY, "-c", "import typer, sqlmodel"]
    cmds = {
        "floor typer": floor_typer,
        "floor typer+sqlmodel": floor_sqlmodel,
        "help": svcdesk("--help"),
        "completion": svcdesk(),
        "completion of a group": svcdesk(),
        "ticket open": svcdesk(
            "--db",
            str(small),
            "ticket",
            "open",
            "--site",
            "BJ-HD",
            "--title",
            "Benchmark: printer jammed",
            "--category",
            "hardware",
        ),
    }
    completion_env = {
        "completion": {
            "_SVCDESK_COMPLETE": "complete_bash",
            "COMP_WORDS": "svcdesk ticket li",
            "COMP_CWORD": "2",
        },
        "completion of a group": {
            "_SVCDESK_COMPLETE": "complete_bash",
            "COMP_WORDS": "svcdesk ",
            "COMP_CWORD": "1",
        },
    }
    if args.big:
        cmds["ticket list --status open -f json (1M)"] = svcdesk(
            "--db", args.big, "ticket", "list", "--status", "open", "-f", "json"
        )
    t = measure(cmds, rounds=args.rounds, extra_env=completion_env)
    for name, secs in t.items():
        print(f"# {name:<56} {secs * 1000:8.1f} ms (median)")
    rows = [
        ("svcdesk --help / import typer", t["help"] / t["floor typer"], 1.4),
        ("completion of a group / import typer", t["completion of a group"] / t["floor typer"],
         1.4),
        ("completion in a group / import typer", t["completion"] / t["floor typer"], 1.4),
        ("ticket open / import typer, sqlmodel", t["ticket open"] / t["floor typer+sqlmodel"], 1.3),
    ]
    if args.big:
        name = "ticket list --status open -f json (1M)"
        rows.append((f"{name} / import typer, sqlmodel", t[name] / t["floor typer+sqlmodel"], 2.0))
    ok = report(rows)
    if args.big:
        rss = peak_rss_mib(cmds["ticket list --status open -f json (1M)"])
        print(
            f"{'peak memory of ticket list (1M)':<58} {rss:6.0f} MiB (limit 200 MiB)  "
            f"{'ok' if rss < 200 else 'TOO BIG'}"
        )
        ok &= rss < 200
    shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
