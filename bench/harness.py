"""Timing whole commands against a floor measured in the same run.

These machines are shared and absolute times drift, so every benchmark interleaves its
commands with a floor command (round-robin, several rounds) and reports median ratios.
Run with PYTHONDONTWRITEBYTECODE unset, as a user's machine runs svcdesk.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

PY = sys.executable
BIN = Path(sys.executable).parent


def env() -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    e.pop("SVCDESK_NOW", None)
    return e


def svcdesk(*args: str) -> list[str]:
    exe = BIN / "svcdesk"
    return [str(exe), *args] if exe.exists() else [PY, "-m", "svcdesk", *args]


def run_once(argv: Sequence[str], extra_env: Mapping[str, str] | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        argv,
        env={**env(), **(extra_env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(argv)} failed: {proc.stderr.decode().strip()}")
    return elapsed


def measure(
    commands: Mapping[str, Sequence[str]],
    rounds: int = 7,
    extra_env: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, float]:
    """Median wall time of each command, run round-robin after one warm-up each."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for name, argv in commands.items():
        run_once(argv, (extra_env or {}).get(name))
    for _ in range(rounds):
        for name, argv in commands.items():
            times[name].append(run_once(argv, (extra_env or {}).get(name)))
    return {name: statistics.median(ts) for name, ts in times.items()}


def peak_rss_mib(argv: Sequence[str]) -> float:
    """Peak resident memory of one run of `argv`, in MiB (measured in a fresh child)."""
    code = (
        "import resource, subprocess, sys;"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([PY, "-c", code, *argv], env=env(), capture_output=True, check=True)
    return int(out.stdout.decode().strip()) / 1024


def report(rows: list[tuple[str, float, float]]) -> bool:
    """Print `name  ratio  limit  ok` lines; True when every ratio is within its limit."""
    ok_all = True
    for name, ratio, limit in rows:
        ok = ratio <= limit
        ok_all &= ok
        print(f"{name:<58} {ratio:6.2f}x  (limit {limit:.2f}x)  {'ok' if ok else 'TOO SLOW'}")
    return ok_all


def self_rusage() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
