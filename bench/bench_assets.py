"""Issue 4's speed promises: importing 100,000 assets from a CSV file takes under 30 s, and
`warranty check` costs no more than `ticket show` on the same database (ratio of medians).

    env -u PYTHONDONTWRITEBYTECODE python bench/bench_assets.py [--rows 100000]

(`harness.svcdesk` runs the venv's `svcdesk` script: install this tree there, as bench/README.md
says, or add `PYTHONPATH=.` when that install is older.)

Creates a demo database (`init --demo`: 12 sites) in a temporary folder, writes a CSV file
of ROWS assets spread over those sites (with Chinese notes on some rows), and times
`svcdesk asset import` on it: the first import (every row added, each logged for sync), a
second import of the same file (every row unchanged), and one after a tenth of the rows got a
new model (updates). Each is run once: an import is a write, and the limit is absolute.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import env, measure, report, svcdesk

LIMIT_S = 30.0
SITES = (
    "BJ-HD", "BJ-CY", "BJ-XC", "SH-PD", "SH-XH", "HZ-XH",
    "NJ-GL", "GZ-TH", "SZ-NS", "WH-JA", "CD-WH", "XA-YT",
)  # fmt: skip
KINDS = {
    "server": ("Dell PowerEdge R740", "Inspur NF5280M6", "Huawei FusionServer 2288H V5"),
    "monitor": ("Dell P2422H", "AOC 24B2XH", "Lenovo ThinkVision T24i"),
    "dvr": ("Hikvision DS-7716NI-K4", "Dahua DHI-NVR4216-4KS2"),
    "queue_machine": ("SUNMI K2 queue kiosk", "Hisense QM-900"),
    "led_screen": ("Leyard TVF1.8 LED display", "Unilumin UTV1.5"),
    "network": ("H3C S5130", "Huawei S5735"),
    "pc": ("Lenovo M720q", "Dell OptiPlex 7090"),
}
NOTES = ("", "", "hall 1", "window 3", "机房 2 号机柜", "大厅叫号机", "rack B, slot 4")


def write_csv(path: Path, rows: int, *, seed: int = 4, changed_every: int = 0) -> None:
    """ROWS assets over the demo sites; with `changed_every`, every Nth row has a new model."""
    rng = random.Random(seed)
    kinds = list(KINDS)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["site", "kind", "serial", "model", "installed_on", "warranty_until", "notes"])
        for i in range(rows):
            kind = rng.choice(kinds)
            year, month, day = rng.randint(2016, 2025), rng.randint(1, 12), rng.randint(1, 28)
            model = rng.choice(KINDS[kind])
            if changed_every and i % changed_every == 0:
                model += " (refurbished)"
            out.writerow(
                [
                    SITES[i % len(SITES)],
                    kind,
                    f"BN{i:07d}{rng.randint(0, 9999):04d}",
                    model,
                    f"{year}-{month:02d}-{day:02d}",
                    f"{year + rng.choice((3, 5))}-{month:02d}-{day:02d}",
                    rng.choice(NOTES),
                ]
            )


def timed(db: Path, csv_file: Path) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        svcdesk("--db", str(db), "asset", "import", str(csv_file), "-f", "json"),
        env=env(),
        capture_output=True,
        text=True,
        check=False,
    )
    secs = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"asset import failed: {proc.stderr.strip()}")
    return secs, proc.stdout.strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="svcdesk-bench-assets-"))
    db = work / "demo.db"
    subprocess.run(svcdesk("--db", str(db), "init", "--demo"), env=env(), check=True,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    first = work / "assets.csv"
    changed = work / "assets-changed.csv"
    write_csv(first, args.rows)
    write_csv(changed, args.rows, changed_every=10)
    size = first.stat().st_size / 2**20
    print(f"# {args.rows:,} rows, {size:.1f} MiB, {len(SITES)} sites, in {work}")
    ok = True
    for label, path in (
        ("first import (all added)", first),
        ("the same file again (unchanged)", first),
        ("a tenth got a new model (updated)", changed),
    ):
        secs, result = timed(db, path)
        good = secs < LIMIT_S
        ok &= good
        name = f"asset import {args.rows:,} rows: {label}"
        print(f"{name:<58} {secs:6.1f} s   (limit {LIMIT_S:.0f} s)  {'ok' if good else 'TOO SLOW'}")
        print(f"#   {result}")
    # warranty check vs ticket show, on the same (now large) database
    asset = subprocess.run(
        svcdesk("--db", str(db), "asset", "list", "--kind", "queue_machine", "-f", "json"),
        env=env(), capture_output=True, text=True, check=True,
    ).stdout.split('"ref":"', 1)[1].split('"', 1)[0]  # fmt: skip
    t = measure(
        {
            "ticket show": svcdesk("--db", str(db), "ticket", "show", "1", "-f", "json"),
            "warranty check": svcdesk("--db", str(db), "warranty", "check", asset, "-f", "json"),
        },
        rounds=9,
    )
    for name, secs in t.items():
        print(f"# {name:<56} {secs * 1000:8.1f} ms (median)")
    ok &= report([("warranty check / ticket show", t["warranty check"] / t["ticket show"], 1.0)])
    if args.keep:
        print(f"# kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
