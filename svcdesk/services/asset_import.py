"""Importing assets from a CSV file: every row is checked first, then all are written or none.

The header names the columns (site, kind, serial, model, installed_on, warranty_until, notes,
and common aliases in English and Chinese); files saved by Chinese spreadsheets in GBK are
recognised. A row whose site and serial are registered already updates that asset; serials
compare under the one serial rule (domain/serials.py), so `q 6` in a file names asset `Q6`, and
a file naming one serial twice for one site is refused.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from svcdesk import clock, ids
from svcdesk.domain.serials import serial_key, serial_problem
from svcdesk.errors import InvalidValue, SvcdeskError
from svcdesk.services.assets import (
    Notify,
    asset_kinds,
    choose_kind,
    date_problem,
    parse_day,
    today,
)
from svcdesk.store import assets as store
from svcdesk.store import sites as site_store
from svcdesk.store.db import Database, Tx
from svcdesk.store.schema import AssetRow
from svcdesk.store.sql import Conn

Progress = Callable[[int, int], None]

SHOWN_PROBLEMS = 20  # bad rows listed one by one; the rest are counted

IMPORT_COLUMNS = ("site", "kind", "serial", "model", "installed_on", "warranty_until", "notes")
_ALIASES = {
    "site": ("site", "site_code", "site_ref", "站点", "网点"),
    "kind": ("kind", "type", "asset_kind", "asset_type", "类型", "设备类型"),
    "serial": ("serial", "serial_number", "serial_no", "serial_num", "sn", "s_n", "序列号"),
    "model": ("model", "model_name", "model_number", "型号"),
    "installed_on": (
        "installed_on",
        "installed",
        "install_date",
        "installation_date",
        "installed_date",
        "安装日期",
    ),
    "warranty_until": (
        "warranty_until",
        "warranty_end",
        "warranty",
        "warranty_ends",
        "warranty_expires",
        "warranty_expiry",
        "warranty_end_date",
        "保修截止",
        "保修截止日期",
        "保修到期",
    ),
    "notes": ("notes", "note", "comment", "comments", "备注"),
}
_COLUMN_OF = {alias: col for col, aliases in _ALIASES.items() for alias in aliases}
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass
class _Plan:
    """What an import would do: the rows to add, the changes to make, and what it leaves."""

    rows: int = 0
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0


def _normalise_header(cell: str) -> str:
    return re.sub(r"[^\w]+", "_", cell.strip().lower()).strip("_")


def _decode(data: bytes, name: str, encoding: str | None, notify: Notify | None) -> str:
    """The file's text: --encoding if given; else UTF-8 (BOM or not); else, for a file that
    reads as Chinese text in GB18030 (GBK), that, saying so on stderr."""
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise InvalidValue(
                f"unknown encoding {encoding!r} (use a Python codec name such as utf-8, "
                "gb18030, cp1252 or latin-1)"
            ) from None
        try:
            return data.decode(codec).removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise InvalidValue(
                f"{name} is not valid {encoding}: {_bad_byte(data, exc)}; "
                "pass the file's encoding with --encoding"
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _reads_as_chinese(text):
        if notify is not None:
            notify(f"read {name} as GB18030 (GBK); pass --encoding to choose")
        return text
    raise InvalidValue(
        f"{name} is not UTF-8 ({_bad_byte(data, utf8_error)}): save it as UTF-8, or pass its "
        "encoding, e.g. --encoding gb18030, --encoding cp1252 or --encoding latin-1"
    )


def _bad_byte(data: bytes, exc: UnicodeDecodeError) -> str:
    line = data.count(b"\n", 0, exc.start) + 1
    return f"byte 0x{data[exc.start]:02x} on line {line}"


def _reads_as_chinese(text: str, sample: int = 200_000) -> bool:
    """Whether GB18030-decoded text looks like Chinese rather than another encoding misread:
    it holds CJK ideographs, and most of its non-ASCII characters are in GB2312 (the common
    simplified Chinese set); Latin-1 accents followed by letters decode to rare characters."""
    head = text[:sample]
    if not _CJK.search(head):
        return False
    wide = [ch for ch in head if ord(ch) > 0x7F]
    common = 0
    for ch in wide:
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 1
    return common * 2 >= len(wide)


def _read(path: str) -> bytes:
    p = Path(path).expanduser()
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise InvalidValue(f"cannot read {path}: no such file") from None
    except IsADirectoryError:
        raise InvalidValue(f"cannot read {path}: it is a folder; give a .csv file") from None
    except OSError as exc:
        raise InvalidValue(f"cannot read {path}: {exc.strerror or exc}") from None


def _columns(header: list[str], name: str, *, have_site: bool) -> dict[str, int]:
    """Column -> position in the header; one error naming every unknown or missing column."""
    positions: dict[str, int] = {}
    unknown: list[str] = []
    twice: list[str] = []
    for i, cell in enumerate(header):
        key = _normalise_header(cell)
        if not key:
            continue  # a nameless column: its cells must stay empty (checked per row)
        col = _COLUMN_OF.get(key)
        if col is None:
            unknown.append(cell.strip())
        elif col in positions:
            twice.append(f"{header[positions[col]].strip()!r} and {cell.strip()!r}")
        else:
            positions[col] = i
    required = ("kind", "serial") if have_site else ("site", "kind", "serial")
    missing = [c for c in required if c not in positions]
    problems = []
    if unknown:
        s = "s" if len(unknown) > 1 else ""
        problems.append(f"unknown column{s} {', '.join(repr(u) for u in unknown)}")
    if missing:
        s = "s" if len(missing) > 1 else ""
        hint = " (or pass --site)" if "site" in missing else ""
        problems.append(f"missing required column{s} {', '.join(missing)}{hint}")
    problems += [f"columns {pair} both mean the same thing" for pair in twice]
    if problems:
        raise InvalidValue(
            f"{name}:1: {'; '.join(problems)}; known columns: {', '.join(IMPORT_COLUMNS)} "
            "(also installed, warranty_end, warranty, serial_number, ...); nothing was imported"
        )
    return positions


class _Cache(dict[str, Any]):
    """Memoised checks of repeated cell values: value -> (result, problem)."""

    def __init__(self, check: Callable[[str], Any]) -> None:
        super().__init__()
        self.check = check

    def __missing__(self, key: str) -> tuple[Any, str | None]:
        try:
            out: tuple[Any, str | None] = (self.check(key), None)
        except SvcdeskError as exc:
            out = (None, exc.message)
        self[key] = out
        return out


def _plan(conn: Conn, text: str, name: str, default_site: str | None) -> _Plan:
    """Check every row of the file against the database; the plan, or every bad row."""
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise _malformed(name, 1, reader.line_num, exc) from None
    if header is None or not any(c.strip() for c in header):
        raise InvalidValue(
            f"{name} has no header line: the first line names the columns, such as "
            "site,kind,serial,model,installed_on,warranty_until,notes; nothing was imported"
        )
    base = None
    if default_site:
        base = site_store.find(conn, default_site)
    pos = _columns(header, name, have_site=base is not None)
    nameless = [i for i, c in enumerate(header) if not _normalise_header(c)]
    width = len(header)

    site_codes: dict[str, str] = {}  # site id -> code

    def site_of(typed: str) -> str:
        row = site_store.find(conn, typed)
        site_codes[row.id] = row.code
        return row.id

    if base is not None:
        site_codes[base.id] = base.code
    sites = _Cache(site_of)
    kinds = asset_kinds(conn)
    kind_of = _Cache(lambda v: choose_kind(v, kinds))
    installed_of = _Cache(lambda v: parse_day(v, "installed_on"))
    warranty_of = _Cache(lambda v: parse_day(v, "warranty_until"))
    existing: dict[str, dict[str, AssetRow]] = {}  # site id -> serial key -> asset

    def on_site(site_id: str) -> dict[str, AssetRow]:
        rows = existing.get(site_id)
        if rows is None:
            rows = existing[site_id] = {}
            for r in store.at_site(conn, site_id):  # (the one in service, if two)
                held = rows.get(key := serial_key(r.serial))
                if held is None or (held.removed_at is not None and r.removed_at is None):
                    rows[key] = r
        return rows

    day = today()
    i_site, i_kind, i_serial = pos.get("site"), pos["kind"], pos["serial"]
    optional = [
        (c, pos[c]) for c in ("model", "installed_on", "warranty_until", "notes") if c in pos
    ]
    seen: dict[tuple[str, str], tuple[int, str]] = {}  # (site, serial key) -> line, serial
    plan = _Plan()
    bad: list[str] = []  # the first SHOWN_PROBLEMS bad rows, of n_bad
    n_bad = 0
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            raise _malformed(name, line, reader.line_num, exc) from None
        if cells is None:
            break
        here, line = line, reader.line_num + 1
        if len(cells) < width:
            cells += [""] * (width - len(cells))
        if not any(c.strip() for c in cells):
            continue
        plan.rows += 1
        problems: list[str] = []
        if any(c.strip() for c in cells[width:]):
            problems.append(f"{len(cells)} cells, but the header names {width} columns")
        for i in nameless:
            if cells[i].strip():
                problems.append(f"a value in column {i + 1}, which has no name in the header")
        # the site
        site_id: str | None = None
        typed_site = cells[i_site].strip() if i_site is not None else ""
        if typed_site:
            site_id, problem = sites[typed_site.upper()]
            if problem:
                problems.append(problem)
            elif base is not None and site_id != base.id:
                problems.append(
                    f"site {site_codes[site_id]} is not --site {base.code} "
                    "(leave the cell empty, or drop --site)"
                )
        elif base is not None:
            site_id = base.id
        else:
            problems.append("no site: fill in the site column (or pass --site)")
        # kind and serial
        typed_kind = cells[i_kind].strip()
        kind = None
        if typed_kind:
            kind, problem = kind_of[typed_kind.lower()]
            if problem:
                problems.append(problem)
        else:
            problems.append(f"no kind (choose from: {', '.join(kinds)})")
        serial = cells[i_serial].strip()
        if not serial:
            problems.append("no serial")
        elif problem := serial_problem(serial):
            problems.append(problem)
            serial = ""  # not compared with the file's other serials
        values: dict[str, Any] = {}
        for col, i in optional:
            v = cells[i].strip()
            if not v:
                values[col] = None
            elif col == "installed_on" or col == "warranty_until":
                cache = installed_of if col == "installed_on" else warranty_of
                values[col], problem = cache[v]
                if problem:
                    problems.append(problem)
            else:
                values[col] = v
        # the same serial twice in the file (under the one serial rule: `Q6` and `q 6`)
        old = None
        if site_id is not None and serial:
            key = (site_id, serial_key(serial))
            first = seen.get(key)
            if first is not None:
                line_no, written = first
                how = "" if written == serial else (
                    f" as {written}; serials compare without case or spaces")  # fmt: skip
                problems.append(
                    f"serial {serial} appears again for site {site_codes[site_id]} "
                    f"(first on line {line_no}{how})"
                )
            else:
                seen[key] = (here, serial)
            old = on_site(site_id).get(key[1])
        # dates, against what the asset already has for a column the file leaves out
        installed = values.get("installed_on", old.installed_on if old else None)
        warranty = values.get("warranty_until", old.warranty_until if old else None)
        problem = date_problem(
            installed,
            warranty,
            today=day,
            names=("installed_on", "warranty_until"),
            check_future="installed_on" in values,
        )
        if problem:
            problems.append(problem)
        if problems:
            if len(bad) < SHOWN_PROBLEMS:
                bad.append(f"{name}:{here}: {'; '.join(problems)}")
            n_bad += 1
            continue
        assert site_id is not None
        values["kind"] = kind
        values["serial"] = serial
        if old is None:
            plan.inserts.append({"site_id": site_id, **values})
            continue
        changes = {k: v for k, v in values.items() if getattr(old, k) != v}
        if changes:
            plan.updates.append((old.id, changes))
        else:
            plan.unchanged += 1
    if n_bad:
        n = n_bad
        if n > len(bad):
            more = n - len(bad)
            bad.append(f"… and {more:,} more bad row{'s' if more != 1 else ''}")
        refused = InvalidValue(
            f"{name}: {n:,} of {plan.rows:,} row{'s' if plan.rows != 1 else ''} "
            f"{'is' if n == 1 else 'are'} bad; nothing was imported"
        )
        refused.details = bad
        raise refused
    return plan


def _malformed(name: str, start: int, line: int, exc: csv.Error) -> InvalidValue:
    """One line for a file that is not well-formed CSV, naming the line where it goes wrong."""
    text = str(exc)
    if "unexpected end of data" in text:  # a quote opened and never closed
        return InvalidValue(
            f'{name}:{start}: a quoted cell that starts on this line is never closed (a " '
            "missing?); nothing was imported"
        )
    if "expected after" in text:
        return InvalidValue(
            f"{name}:{line}: text after the closing quote of a cell (inside a quoted cell, "
            'write a quote as ""); nothing was imported'
        )
    return InvalidValue(f"{name}:{line}: {text}; nothing was imported")


def _dialect(text: str) -> type[csv.Dialect]:
    """Commas, unless the header line is clearly separated by semicolons or tabs."""
    end = text.find("\n")
    first = text if end < 0 else text[:end]
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    sep = max(counts, key=lambda s: counts[s])
    if counts[sep] == 0 or counts[","] >= counts[sep]:
        return csv.excel
    return csv.excel_tab if sep == "\t" else _Semicolon


class _Semicolon(csv.excel):
    delimiter = ";"


def _apply(tx: Tx, plan: _Plan, replica_code: str, progress: Progress | None) -> None:
    """Write the plan: one insert or update per asset, each logged for sync."""
    now = clock.to_epoch(clock.now())
    total = len(plan.inserts) + len(plan.updates)
    done = 0
    if progress:
        progress(0, total)
    for values in plan.inserts:
        asset = AssetRow(
            id=ids.uuid7(),
            ref=f"{replica_code}-A{tx.next_counter('asset')}",
            site_id=values["site_id"],
            kind=values["kind"],
            serial=values["serial"],
            model=values.get("model"),
            installed_on=values.get("installed_on"),
            warranty_until=values.get("warranty_until"),
            notes=values.get("notes"),
            created_at=now,
            updated_at=now,
            removed_at=None,
            merged_into=None,
        )
        store.insert(tx, asset)
        done += 1
        if progress and done % 1000 == 0:
            progress(done, total)
    for asset_id, changes in plan.updates:
        store.update(tx, asset_id, {**changes, "updated_at": now})
        done += 1
        if progress and done % 1000 == 0:
            progress(done, total)
    if progress:
        progress(total, total)


def import_assets(
    db: Database,
    path: str,
    *,
    site: str | None = None,
    dry_run: bool = False,
    encoding: str | None = None,
    progress: Progress | None = None,
    notify: Notify | None = None,
) -> dict[str, Any]:
    """Add or update the assets a CSV file lists, all of them or none.

    Columns are named in the header (site, kind, serial, model, installed_on, warranty_until,
    notes; `site` may be left out with `site=`). A row whose site and serial are already
    registered updates that asset where its values differ (an empty cell clears the field, a
    column the file leaves out is left as it is) and changes nothing where they are the same,
    so importing a file twice is harmless. Every bad row is reported (InvalidValue whose
    `details` are `FILE:LINE: reason` lines) and then nothing is written.
    """
    text = _decode(_read(path), path, encoding, notify)
    nul = text.find("\x00")
    if nul >= 0:
        raise InvalidValue(
            f"{path}:{text.count(chr(10), 0, nul) + 1}: a NUL character (is it a CSV file? save "
            "it from the spreadsheet as CSV UTF-8); nothing was imported"
        )
    if dry_run:
        with db.read() as conn:
            plan = _plan(conn, text, path, site)
    else:
        with db.write() as tx:
            plan = _plan(tx.conn, text, path, site)
            _apply(tx, plan, db.replica_code, progress)
    return {
        "file": path,
        "rows": plan.rows,
        "added": len(plan.inserts),
        "updated": len(plan.updates),
        "unchanged": plan.unchanged,
        "dry_run": dry_run,
    }
