"""Generate a large svcdesk database for benchmarks, fast.

    python bench/gen_tickets.py /tmp/bench1m.db --tickets 1000000 --open 100000 --sites 200

The database is created and migrated by `svcdesk.store.db.open_db`, so its schema is the real
one; the rows are then bulk-inserted with sqlite3 directly (executemany, one transaction,
`PRAGMA synchronous = OFF` for the load only, secondary indexes dropped and rebuilt), not
through the services. What that means for the data:

- sites, about one asset per ten tickets, and TICKETS tickets opened over the past three
  years (relative to `svcdesk.clock.now()`, so `SVCDESK_NOW` applies), of which exactly
  OPEN are not closed (a mix of open, paused and resolved) and the rest closed;
- each ticket has a plausible timeline: `opened`; a response (always, except for half the
  open tickets); a pause for paused tickets; a resolution for resolved and closed ones, the
  incident report for every closed and half the resolved ones, and `closed`. SLA clocks are
  not computed here: run `svcdesk sla recompute` on the result (a benchmark of its own);
- the change log stays empty: bench data is not meant to be synced, and `sync` will not
  ship it;
- refs continue the replica's numbering (`seq.ticket` and `seq.asset` in svcdesk_meta are
  set), so a later `svcdesk ticket open` gets the next number; ids are valid, unique,
  canonical UUIDv7 strings built from each row's instant and a counter.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHUNK = 100_000
YEAR = 365 * 86400
REGIONS = (
    "Beijing",
    "Shanghai",
    "Guangdong",
    "Zhejiang",
    "Jiangsu",
    "Sichuan",
    "Hubei",
    "Shaanxi",
    "Shandong",
    "Henan",
    "Fujian",
    "Hunan",
)
KINDS = (
    ("server", "Dell PowerEdge R740"),
    ("monitor", "Dell P2422H"),
    ("monitor", "Lenovo ThinkVision T24i-20"),
    ("dvr", "Hikvision DS-7616NI-K2"),
    ("queue_machine", "SUNMI K2 queue kiosk"),
    ("led_screen", "Unilumin UTV1.8 indoor LED"),
)
CHANNELS = ("phone",) * 5 + ("remote",) * 2 + ("web", "email", "onsite")
NOT_CLOSED = ("open",) * 12 + ("paused",) * 3 + ("resolved",) * 5


class Ids:
    """Canonical UUIDv7 strings without os.urandom per row: 48 bits of the row's milliseconds,
    then 74 'random' bits made of a per-run salt and a counter, so every id is unique."""

    def __init__(self, rng: random.Random) -> None:
        salt = rng.getrandbits(42)
        rand_a = salt >> 30  # 12 bits after the version nibble
        rand_b_hi = (salt >> 16) & 0x3FFF  # 14 bits after the variant bits
        self.mid = f"7{rand_a:03x}-{0x8000 | rand_b_hi:04x}"
        self.low = (salt & 0xFFFF) << 32
        self.seq = 0

    def at(self, ms: int) -> str:
        self.seq += 1
        return f"{ms >> 16:08x}-{ms & 0xFFFF:04x}-{self.mid}-{self.low | self.seq:012x}"


def log(msg: str, t0: float) -> None:
    print(f"[{time.perf_counter() - t0:6.1f}s] {msg}", file=sys.stderr, flush=True)


def name(rng: random.Random) -> str:
    from svcdesk.services.demo import GIVEN, SURNAMES  # the demo's names, after sys.path is set

    return f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}"


def titles() -> list[tuple[str, str, str]]:
    """(title, category, severity) drawn from the demo's fault catalogue."""
    from svcdesk.services.demo import FAULTS, UPGRADES

    values = {
        "where": "hall 1",
        "Where": "Database server",
        "ch": 5,
        "pct": 95,
        "win": 3,
        "slot": 2,
        "temp": 33,
        "n": 12,
        "ver": "6.1.0",
    }
    out = []
    for f in FAULTS + UPGRADES:
        for sev in f.severities:
            for win in (1, 2, 3, 4):
                t = f.title.format(**{**values, "win": win, "ch": win + 4, "where": f"hall {win}"})
                out.append((t, f.category, sev))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("db", metavar="DB_PATH", type=Path)
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--open", type=int, default=100_000, help="how many are not closed")
    ap.add_argument("--sites", type=int, default=200)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--force", action="store_true", help="replace an existing DB_PATH")
    args = ap.parse_args(argv)
    if args.tickets < 0 or args.sites < 1 or not 0 <= args.open <= args.tickets:
        ap.error("need --tickets >= 0, --sites >= 1 and 0 <= --open <= --tickets")
    path: Path = args.db
    if path.exists():
        if not args.force:
            print(f"{path} exists; pass --force to replace it", file=sys.stderr)
            return 1
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    t0 = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from svcdesk import clock
    from svcdesk.store.db import open_db

    db = open_db(str(path), create=True)
    db.close()
    now = clock.to_epoch(clock.now())
    log(f"created {path} (schema by open_db)", t0)

    con = sqlite3.connect(path, isolation_level=None)
    try:
        generate(con, args, now, t0)
    finally:
        con.close()
    size = path.stat().st_size
    log(
        f"done: {args.tickets:,} tickets ({args.open:,} not closed), "
        f"{size / 2**20:,.0f} MiB, {time.perf_counter() - t0:.1f}s",
        t0,
    )
    return 0


def generate(con: sqlite3.Connection, args: argparse.Namespace, now: int, t0: float) -> None:
    rng = random.Random(args.seed)
    ids = Ids(rng)
    rc = con.execute("SELECT value FROM svcdesk_meta WHERE key = 'replica_code'").fetchone()[0]
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -524288")  # 512 MiB
    con.execute("PRAGMA temp_store = MEMORY")
    indexes = con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN ('site', 'asset', 'ticket', 'ticket_event')"
    ).fetchall()
    con.execute("BEGIN")
    for index, _ in indexes:
        con.execute(f"DROP INDEX {index}")

    # sites
    site_ids = [ids.at(now * 1000) for _ in range(args.sites)]
    con.executemany(
        "INSERT INTO site (id, code, name, tz, region, contact, created_at, updated_at) "
        "VALUES (?, ?, ?, 'Asia/Shanghai', ?, ?, ?, ?)",
        [
            (
                sid,
                f"TB-{k:04d}",
                f"Tax Bureau Branch No. {k}",
                REGIONS[k % len(REGIONS)],
                f"{name(rng)}, 0{rng.randint(10, 999)}-{rng.randint(1000, 9999)} "
                f"{rng.randint(1000, 9999)}",
                now,
                now,
            )
            for k, sid in enumerate(site_ids, 1)
        ],
    )
    log(f"sites: {args.sites:,}", t0)

    # assets: asset j sits at site j % sites
    n_assets = max(args.sites, args.tickets // 10)
    asset_ids = [ids.at(now * 1000) for _ in range(n_assets)]
    con.executemany(
        "INSERT INTO asset (id, ref, site_id, kind, serial, model, installed_on, "
        "warranty_until, notes, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)",
        asset_rows(rng, asset_ids, site_ids, rc, now),
    )
    log(f"assets: {n_assets:,}", t0)

    # tickets and their events, oldest first, so ids and refs grow with opened_at
    catalogue = titles()
    engineers = [name(rng) for _ in range(max(6, args.sites // 10))]
    reporters = [name(rng) for _ in range(500)]
    not_closed = pick_not_closed(rng, args.tickets, args.open)
    done = 0
    for tickets, events in ticket_chunks(
        rng,
        ids,
        args,
        now,
        rc,
        site_ids,
        n_assets,
        asset_ids,
        catalogue,
        engineers,
        reporters,
        not_closed,
    ):
        con.executemany(
            "INSERT INTO ticket (id, ref, site_id, asset_id, title, category, severity, channel, "
            "status, assignee, reporter, due_at, opened_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            tickets,
        )
        con.executemany(
            "INSERT INTO ticket_event (id, ticket_id, kind, at, actor, note, data, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, NULL, ?, ?)",
            events,
        )
        done += len(tickets)
        log(f"tickets: {done:,} / {args.tickets:,}", t0)

    for index, sql in indexes:
        con.execute(sql)
        log(f"index {index} rebuilt", t0)
    con.executemany(
        "INSERT OR REPLACE INTO svcdesk_meta (key, value) VALUES (?, ?)",
        [("seq.ticket", str(args.tickets)), ("seq.asset", str(n_assets))],
    )
    con.execute("COMMIT")
    log("committed", t0)
    con.execute("PRAGMA synchronous = FULL")
    con.execute("ANALYZE")
    log("analyzed", t0)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def asset_rows(
    rng: random.Random, asset_ids: list[str], site_ids: list[str], rc: str, now: int
) -> Iterator[tuple[object, ...]]:
    from datetime import date, timedelta

    today = date.fromtimestamp(now)
    n_sites = len(site_ids)
    for j, aid in enumerate(asset_ids):
        kind, model = KINDS[j % len(KINDS)]
        installed = today - timedelta(days=rng.randint(365, 6 * 365))
        years = rng.randint(3, 5)
        try:
            warranty = installed.replace(year=installed.year + years)
        except ValueError:  # 29 February
            warranty = installed.replace(year=installed.year + years, day=28)
        yield (
            aid,
            f"{rc}-A{j + 1}",
            site_ids[j % n_sites],
            kind,
            f"SN{j + 1:09d}",
            model,
            installed.isoformat(),
            warranty.isoformat(),
            now,
            now,
        )


def pick_not_closed(rng: random.Random, n: int, k: int) -> bytearray:
    """Exactly k of n tickets stay not closed: half among the newest, half anywhere."""
    flags = bytearray(n)
    newest = min(n, max(k, n // 10))
    chosen = set(rng.sample(range(n - newest, n), k // 2))
    while len(chosen) < k:
        chosen.add(rng.randrange(n))
    for i in chosen:
        flags[i] = 1
    return flags


def ticket_chunks(
    rng: random.Random,
    ids: Ids,
    args: argparse.Namespace,
    now: int,
    rc: str,
    site_ids: list[str],
    n_assets: int,
    asset_ids: list[str],
    catalogue: list[tuple[str, str, str]],
    engineers: list[str],
    reporters: list[str],
    not_closed: bytearray,
) -> Iterator[tuple[list[tuple[object, ...]], list[tuple[object, ...]]]]:
    n = args.tickets
    n_sites = len(site_ids)
    start = now - 3 * YEAR
    step = (3 * YEAR - 3600) / max(n, 1)
    rand = rng.random
    randrange = rng.randrange
    choice = rng.choice
    tickets: list[tuple[object, ...]] = []
    events: list[tuple[object, ...]] = []
    for i in range(n):
        opened = int(start + (i + rand()) * step)
        s = randrange(n_sites)
        asset = None
        if rand() < 0.4:
            per_site = (n_assets - s + n_sites - 1) // n_sites
            asset = asset_ids[s + n_sites * randrange(per_site)]
        title, category, severity = choice(catalogue)
        channel = choice(CHANNELS)
        assignee = choice(engineers)
        reporter = choice(reporters)
        due = opened + randrange(10, 46) * 86400 if severity == "upgrade" else None
        tid = ids.at(opened * 1000)
        if not_closed[i]:
            status = choice(NOT_CLOSED)
            if status == "open" and rand() < 0.15:
                assignee = None
            updated = opened
        else:
            status = "closed"
            updated = min(now, opened + int(3600 * 2 ** (rand() * 8)))  # 1 h .. ~10 days
        if status == "resolved":
            updated = min(now, opened + int(3600 * 2 ** (rand() * 6)))
        tickets.append(
            (
                tid,
                f"{rc}-{i + 1}",
                site_ids[s],
                asset,
                title,
                category,
                severity,
                channel,
                status,
                assignee,
                reporter,
                due,
                opened,
                updated,
            )
        )
        data = f'{{"channel":"{channel}","reporter":"{reporter}"}}'
        events.append((ids.at(opened * 1000), tid, "opened", opened, assignee, data, opened))
        # A realistic lifecycle, so SLA clocks come out as they would in use: a response, then
        # for closed and resolved tickets a resolution and (mostly) the incident report.
        responded = min(now, opened + randrange(300, 2400))
        lifecycle = []
        if status != "open" or rand() < 0.5:
            lifecycle.append(("responded", responded))
        if status == "paused":
            lifecycle.append(("paused", min(now, responded + randrange(600, 7200))))
        elif status in ("resolved", "closed"):
            resolved = min(now, max(responded, updated - 3600))
            lifecycle.append(("resolved", resolved))
            if status == "closed" or rand() < 0.5:
                lifecycle.append(("report-submitted", min(now, resolved + randrange(600, 36000))))
        if status == "closed":
            lifecycle.append(("closed", max(updated, lifecycle[-1][1])))
        for kind, when in lifecycle:
            events.append((ids.at(when * 1000), tid, kind, when, assignee, None, when))
        if len(tickets) >= CHUNK:
            yield tickets, events
            tickets, events = [], []
    if tickets:
        yield tickets, events


if __name__ == "__main__":
    sys.exit(main())
