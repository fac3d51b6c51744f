"""Exports: every record of a kind as CSV, JSON Lines, JSON or XLSX, streamed in constant memory.

`plan` checks everything a user typed (the kind, the format, the window, the file) before the
database is opened; `export` then streams the records, a batch at a time, to stdout or into
a file that appears whole or not at all (written beside its place, renamed into it; an
existing file is replaced only with `force`, as `db backup` does).

The records have the JSON shapes of CLI.md (tickets as `ticket list`, visits as `visit list`,
inspections as `inspect list`, assets as `asset list --removed`), instants ISO 8601 in the
display zone. JSON and JSON Lines hold the data as stored. CSV and XLSX hold one cell per
field: a list of names is joined with `; `, a ticket's clocks, a visit's parts and an
inspection's items are written out as text, an event's details as their JSON. In CSV and
XLSX, and only there, a cell a spreadsheet would run as a formula (text starting with `=`,
`+`, `-`, `@`, a tab or a carriage return, also after leading white space) gets a `'` in
front (the OWASP rule); numbers stay numbers. `--excel` CSV is UTF-8 with a BOM and CRLF line
ends, which Excel (the Chinese edition too) opens without asking.
"""

from __future__ import annotations

import contextlib
import gc
import io
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import IO, Any, cast

import orjson

from svcdesk import clock
from svcdesk.csvtext import FIRST, RISKY, SPACE, neutralised
from svcdesk.errors import InvalidValue, StoreError
from svcdesk.store import atomic
from svcdesk.store import exports as store
from svcdesk.store.db import Database
from svcdesk.store.sql import Conn

KINDS = ("tickets", "events", "visits", "inspections", "assets", "articles", "parts")
FORMATS = ("csv", "jsonl", "json", "xlsx")
# An -o file's suffix names its format when -f is not given.
SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
            ".xlsx": "xlsx"}  # fmt: skip

# The fields of each kind, in order: the JSON keys and the CSV/XLSX header.
KEYS: dict[str, tuple[str, ...]] = {
    "tickets": ("id", "ref", "title", "site", "asset", "category", "severity", "channel",
                "status", "assignee", "reporter", "opened_at", "due_at", "updated_at",
                "clocks"),
    "events": ("ticket", "id", "kind", "at", "actor", "note", "details", "in_effect",
               "set_aside_by"),
    "visits": ("id", "ref", "site", "ticket", "engineer", "kind", "started_at", "ended_at",
               "minutes", "summary", "parts", "signed_by"),
    "inspections": ("id", "ref", "site", "visit", "at", "items", "faults", "signed_by",
                    "tickets"),
    "assets": ("id", "ref", "site", "kind", "serial", "model", "installed_on", "warranty_until",
               "notes", "created_at", "updated_at", "removed_at"),
    "articles": store.ARTICLE_FIELDS,
    # one row per part replaced on a visit: `at` when it went in (the visit's end, else its
    # start), `cost` a number in currency units (empty when none was given), summable
    "parts": ("visit", "site", "ticket", "engineer", "at", "asset", "serial_out", "serial_in",
              "coverage", "cost"),
}  # fmt: skip

# Up to this many assets, a ticket export reads every asset's ref once (some MiB at most);
# beyond, those of each batch of tickets.
ALL_ASSETS = 200_000
XLSX_MAX_ROWS = 1_048_576  # a worksheet's rows, the header's included (Excel's limit)
XLSX_MAX_TEXT = 32_767  # the characters a cell holds (Excel's limit)
XLSX_HINT = "-f xlsx needs the xlsx extra: pip install 'svcdesk[xlsx]'"

Notify = Callable[[str], None]
Progress = Callable[[int, int], None]
Row = tuple[Any, ...]


@dataclass(frozen=True)
class Plan:
    """An export as asked, every value checked."""

    kind: str
    fmt: str
    since: int | None = None
    until: int | None = None
    excel: bool = False
    path: Path | None = None  # None: stdout
    force: bool = False

    @property
    def keys(self) -> tuple[str, ...]:
        return KEYS[self.kind]

    @property
    def flat(self) -> bool:
        """One cell per field (CSV, XLSX) rather than the JSON shape."""
        return self.fmt in ("csv", "xlsx")


# --------------------------------------------------------------------------------------------
# Checking what was asked


def plan(kind: str, *, fmt: str | None = None, since: str | None = None,
         until: str | None = None, excel: bool = False, output: str | None = None,
         force: bool = False) -> Plan:  # fmt: skip
    """The export asked for, checked before anything is opened or written: its kind, its
    format (default: the -o file's suffix, else csv; xlsx needs the extra installed), its
    window and its file (`-` or none: stdout; an existing file only with `force`)."""
    if kind not in KINDS:
        raise InvalidValue(f"unknown export {kind!r} (choose from: {', '.join(KINDS)})")
    path: Path | None = None
    if output is not None and output != "-":
        if not output.strip():
            raise InvalidValue("-o needs a file name (or - for stdout)")
        if "\x00" in output:
            raise InvalidValue("a path cannot contain a NUL character")
        path = Path(output).expanduser()
    chosen = _format(fmt, path)
    if excel and chosen != "csv":
        raise InvalidValue(
            f"--excel is for -f csv (a UTF-8 BOM for Excel); -f {chosen} takes no --excel"
        )
    after, before = clock.window(since, until)
    if chosen == "xlsx":
        _xlsxwriter()  # a missing extra is said before anything is opened
    if path is not None:
        atomic.check_target(path, force=force)  # a folder, a FIFO, an existing file: refused
    return Plan(kind=kind, fmt=chosen, since=after, until=before, excel=excel, path=path,
                force=force)  # fmt: skip


def _format(fmt: str | None, path: Path | None) -> str:
    if fmt is None:
        return SUFFIXES.get(path.suffix.lower(), "csv") if path is not None else "csv"
    chosen = fmt.strip().lower()
    if chosen == "ndjson":
        chosen = "jsonl"
    if chosen not in FORMATS:
        raise InvalidValue(f"unknown export format {fmt!r} (choose from: {', '.join(FORMATS)})")
    return chosen


# --------------------------------------------------------------------------------------------
# Cells a spreadsheet would run

_RISKY, _SPACE, _FIRST = RISKY, SPACE, FIRST  # svcdesk/csvtext.py: one rule for every CSV
# A CSV line some later cell of which may start with one of these (`\s`: str.isspace's set).
_RISKY_CELL = re.compile(r",[=+\-@\s]")


# --------------------------------------------------------------------------------------------
# Instants


def iso_seconds(tz: tzinfo) -> Callable[[int], str]:
    """A fast epoch-second -> ISO 8601 with the zone's offset (`2026-10-14T09:00:00+08:00`,
    what `datetime.isoformat` gives for the display zone's local time), for long exports.

    Per UTC hour whose offset is whole hours all through it (nearly all, anywhere): the text
    up to the hour, then the minute, second and offset from a table of the hour's seconds.
    Any other hour (an offset such as +05:45, a change of offset within the hour) is
    converted exactly. The caches hold some decades of hours at most."""
    exact = clock.local_times(tz)
    hours: dict[int, tuple[str, list[str]] | None] = {}
    tails: dict[str, list[str]] = {}  # "+08:00" -> "MM:SS+08:00" for each second of an hour

    def hour_of(hour: int) -> tuple[str, list[str]] | None:
        if len(hours) > 400_000:
            hours.clear()
        start, end = exact(hour * 3600), exact(hour * 3600 + 3599)
        delta = start.utcoffset()
        hit: tuple[str, list[str]] | None = None
        if delta is not None and delta == end.utcoffset() and not delta.total_seconds() % 3600:
            text = start.isoformat()  # YYYY-MM-DDTHH:00:00+hh:mm
            suffix = text[19:]
            tail = tails.get(suffix)
            if tail is None:
                tail = tails[suffix] = [f"{m:02d}:{s:02d}{suffix}"
                                        for m in range(60) for s in range(60)]  # fmt: skip
            hit = (text[:14], tail)
        hours[hour] = hit
        return hit

    def iso(ts: int) -> str:
        hour = ts // 3600
        try:
            hit = hours[hour]
        except KeyError:
            hit = hour_of(hour)
        if hit is None:
            return exact(ts).isoformat()
        return hit[0] + hit[1][ts - hour * 3600]

    return iso


def _iso(value: Any) -> Any:
    """A datetime (records of other services) as its ISO 8601 text; anything else as it is."""
    return value.isoformat() if isinstance(value, datetime | date) else value


def _joined(values: Sequence[Any] | None) -> str | None:
    """A list of names in one cell, as `ticket list -f csv` joins them."""
    if not values:
        return None
    return "; ".join("" if v is None else str(v) for v in values)


# --------------------------------------------------------------------------------------------
# The records of each kind, a batch at a time: tuples in the order of KEYS[kind]


def _tickets(conn: Conn, p: Plan) -> Iterator[list[Row]]:
    from svcdesk.services.derived import clock_records

    iso = iso_seconds(clock.display_tz())
    local = cast(Any, iso)  # the clocks' instants as the same text
    now = clock.to_epoch(clock.now())
    sites = store.site_codes(conn)
    every = store.count_assets(conn) <= ALL_ASSETS
    assets = store.asset_refs(conn) if every else {}
    for rows in store.tickets(conn, since=p.since, until=p.until):
        if not every:
            assets = store.asset_refs(conn, {r[4] for r in rows if r[4]})
        if p.flat:  # "" for none: a row of text joins into its CSV line as it is
            yield [(tid, ref, title, sites.get(site, ""), assets.get(asset or "", ""), category,
                    severity, channel, status, assignee or "", reporter or "", iso(opened),
                    "" if due is None else iso(due), iso(updated),
                    clocks_text(clocks, now, iso) or "")
                   for (tid, ref, title, site, asset, category, severity, channel, status,
                        assignee, reporter, opened, due, updated, clocks) in rows]  # fmt: skip
        else:
            yield [(tid, ref, title, sites.get(site), assets.get(asset or ""), category,
                    severity, channel, status, assignee, reporter, iso(opened),
                    None if due is None else iso(due), iso(updated),
                    clock_records(ref, clocks, now, local))
                   for (tid, ref, title, site, asset, category, severity, channel, status,
                        assignee, reporter, opened, due, updated, clocks) in rows]  # fmt: skip


def clocks_text(stored: str | None, now: int, iso: Callable[[int], str]) -> str | None:
    """A ticket's clocks (as stored, the arrays `derived.clock_records` reads) in one cell,
    in the states it gives them: `respond: met 2026-10-14T09:20:00+08:00; resolve: breached,
    due 2026-10-15T09:00:00+08:00; report: paused, 3600 s left` (`late`: met after its
    deadline)."""
    if not stored or stored == "[]":
        return None
    parts = []
    for c in orjson.loads(stored):  # name, started, due, met, remaining, ...
        name, due, met = c[0], c[2], c[3]
        if met is not None:
            late = " late" if due is not None and met > due else ""
            parts.append(f"{name}: met {iso(met)}{late}")
        elif due is None:
            remaining = c[4]
            parts.append(f"{name}: paused" if remaining is None
                         else f"{name}: paused, {remaining} s left")  # fmt: skip
        else:
            parts.append(f"{name}: {'breached' if due < now else 'running'}, due {iso(due)}")
    return "; ".join(parts)


def _events(conn: Conn, p: Plan) -> Iterator[list[Row]]:
    from svcdesk.services.formats import set_aside

    iso = iso_seconds(clock.display_tz())
    loads = orjson.loads
    seen: tuple[str | None, dict[str, tuple[str | None, str]]] = (None, {})

    def aside(stored: str | None) -> dict[str, tuple[str | None, str]]:
        """The ticket's events set aside (`in_effect` false), read once per ticket: NULL, and
        nothing to read, for almost every ticket."""
        nonlocal seen
        if seen[0] != stored:
            seen = (stored, set_aside(stored))
        return seen[1]

    for rows in store.events(conn, since=p.since, until=p.until):
        if not any(r[7] for r in rows):  # every event stands (almost every batch)
            if p.flat:
                yield [(ref or "", eid, kind, iso(at), actor or "", note or "", data or "",
                        True, "")
                       for ref, eid, kind, at, actor, note, data, _ in rows]  # fmt: skip
            else:
                yield [(ref, eid, kind, iso(at), actor, note, loads(data) if data else {},
                        True, None)
                       for ref, eid, kind, at, actor, note, data, _ in rows]  # fmt: skip
            continue
        out: list[Row] = []
        for ref, eid, kind, at, actor, note, data, stored in rows:
            by = aside(stored).get(eid) if stored else None
            if p.flat:  # the details as the JSON text they are stored as
                out.append((ref or "", eid, kind, iso(at), actor or "", note or "", data or "",
                            by is None, by[0] or "" if by else ""))  # fmt: skip
            else:
                out.append((ref, eid, kind, iso(at), actor, note, loads(data) if data else {},
                            by is None, by[0] if by else None))  # fmt: skip
        yield out


def _visits(conn: Conn, p: Plan) -> Iterator[list[Row]]:
    from svcdesk.services import visits

    keys = p.keys
    for rows in store.visits(conn, since=p.since, until=p.until):
        records = visits._records(conn, rows)  # the shape `visit list` gives
        if p.flat:
            for r in records:
                r["started_at"], r["ended_at"] = _iso(r["started_at"]), _iso(r["ended_at"])
                r["parts"] = _parts_text(r["parts"])
        yield [tuple(r[k] for k in keys) for r in records]


def _parts_text(parts: list[dict[str, Any]]) -> str | None:
    """A visit's parts in one cell, as `--part` takes them, with their coverage:
    `LED-2291-77:LED-3310-05:350.00 paid; SRV-9:SRV-10 free`."""
    out = []
    for part in parts:
        cost = f":{part['cost']}" if part.get("cost") is not None else ""
        out.append(f"{part['serial_out']}:{part['serial_in']}{cost} {part['coverage']}")
    return "; ".join(out) or None


def _parts(conn: Conn, p: Plan) -> Iterator[list[Row]]:
    """The parts replaced on the visits of the window, a row each, in the visits' order."""
    from svcdesk.services import visits

    for rows in store.visits(conn, since=p.since, until=p.until):
        out: list[Row] = []
        for v in visits._records(conn, rows):  # the shape `visit list` gives
            at = _iso(v["ended_at"] or v["started_at"])
            for part in v["parts"]:
                cents = part["cost_cents"]
                out.append((v["ref"], v["site"], v["ticket"], v["engineer"], at,
                            part["asset"], part["serial_out"], part["serial_in"],
                            part["coverage"], None if cents is None else cents / 100))
        yield out


def _inspections(conn: Conn, p: Plan) -> Iterator[list[Row]]:
    from svcdesk.services import inspections

    keys = p.keys
    for rows in store.inspections(conn, since=p.since, until=p.until):
        records = inspections._records(conn, rows)  # the shape `inspect list` gives
        if p.flat:
            for r in records:
                r["at"] = _iso(r["at"])
                r["items"] = _items_text(r["items"])
                r["tickets"] = _joined(r["tickets"])
        yield [tuple(r[k] for k in keys) for r in records]


def _items_text(items: list[dict[str, Any]]) -> str | None:
    """An inspection's items in one cell: `ITEM=RESULT`, `: FINDING`, ` [TICKET]` opened for
    a fault: `ups=fault: battery swollen [KQ7M-12]; cabinet=ok`."""
    out = []
    for i in items:
        text = f"{i['item']}={i['result']}"
        if i.get("finding"):
            text += f": {i['finding']}"
        if i.get("ticket"):
            text += f" [{i['ticket']}]"
        out.append(text)
    return "; ".join(out) or None


def _assets(conn: Conn, p: Plan) -> Iterator[list[Row]]:
    iso = iso_seconds(clock.display_tz())
    for rows in store.assets(conn, since=p.since, until=p.until):
        yield [(aid, ref, site, kind, serial, model, installed, until, notes, iso(created),
                iso(updated), None if removed is None else iso(removed))
               for (aid, ref, site, kind, serial, model, installed, until, notes, created,
                    updated, removed) in rows]  # fmt: skip


def _articles(conn: Conn, p: Plan, notify: Notify | None) -> Iterator[list[Row]]:
    """The knowledge base's articles, if this database has them: the fields of CLI.md its
    `article` table holds (another's cells are left empty, and said so), the tickets an
    article draws on by their refs; no such table: no rows."""
    have = set(store.table_columns(conn, "article"))
    if not have:
        return iter(())
    columns = [k for k in store.ARTICLE_FIELDS if k in have]
    missing = [k for k in store.ARTICLE_FIELDS if k not in have]
    if missing and notify is not None:
        notify(f"note: the article table has no {', '.join(missing)}; those cells are empty")
    if "updated_at" not in have and (p.since is not None or p.until is not None):
        raise InvalidValue("--since and --until need the articles' updated_at, which this "
                           "database does not record")  # fmt: skip
    return _article_rows(conn, p, columns)


def _article_rows(conn: Conn, p: Plan, columns: list[str]) -> Iterator[list[Row]]:
    iso = iso_seconds(clock.display_tz())
    for rows in store.articles(conn, columns, since=p.since, until=p.until):
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        for rec in records:  # tags and ticket ids as stored: JSON lists (or text)
            rec["tags"], rec["tickets"] = _listed(rec.get("tags")), _listed(rec.get("tickets"))
        wanted = {t for rec in records for t in rec["tickets"] if isinstance(t, str)}
        refs = store.ticket_refs(conn, wanted) if wanted else {}
        out = []
        for rec in records:
            named = [refs.get(t, t) if isinstance(t, str) else t for t in rec["tickets"]]
            rec["tickets"] = _joined(named) if p.flat else named
            if p.flat:
                rec["tags"] = _joined(rec["tags"])
            stamp = rec.get("updated_at")
            if isinstance(stamp, int):
                rec["updated_at"] = iso(stamp)
            out.append(tuple(rec.get(k) for k in store.ARTICLE_FIELDS))
        yield out


def _listed(value: Any) -> list[Any]:
    """Tags or ticket ids as stored (a JSON array; text: one value) as a list."""
    if value is None or value == "":
        return []
    if isinstance(value, str) and value.startswith("["):
        with contextlib.suppress(orjson.JSONDecodeError):
            value = orjson.loads(value)
    return value if isinstance(value, list) else [value]


_COUNTS = {"tickets": store.count_tickets, "events": store.count_events,
           "visits": store.count_visits, "inspections": store.count_inspections,
           "assets": store.count_assets}  # fmt: skip


def _records(conn: Conn, p: Plan, notify: Notify | None) -> Iterator[list[Row]]:
    if p.kind == "tickets":
        return _tickets(conn, p)
    if p.kind == "events":
        return _events(conn, p)
    if p.kind == "visits":
        return _visits(conn, p)
    if p.kind == "inspections":
        return _inspections(conn, p)
    if p.kind == "assets":
        return _assets(conn, p)
    if p.kind == "parts":
        return _parts(conn, p)
    return _articles(conn, p, notify)


# --------------------------------------------------------------------------------------------
# Exporting


def export(db: Database, p: Plan, *, stdout: IO[bytes] | None = None,
           notify: Notify | None = None, progress: Progress | None = None
           ) -> dict[str, Any]:  # fmt: skip
    """Write every record of `p.kind` in `p.fmt`, to `p.path` (whole or not at all) or to
    `stdout`; returns what was written: `kind, format, rows, file`."""
    gc.freeze()  # what is loaded lives until exit: the collector need not rescan it per batch
    with db.read() as conn:
        batches = _records(conn, p, notify)
        if progress is not None:
            counter = _COUNTS.get(p.kind)
            total = counter(conn, since=p.since, until=p.until) if counter else 0
            batches = _counted(batches, progress, total)
        if p.path is not None:
            with atomic.atomic_write(p.path, force=p.force) as tmp:
                rows = _write_file(p, batches, tmp, notify, shown=p.path)
        else:
            if stdout is None:
                raise ValueError("export to stdout needs a stream")
            rows = _write_stream(p, batches, stdout, notify)
    return {"kind": p.kind, "format": p.fmt, "rows": rows,
            "file": str(p.path) if p.path is not None else None}  # fmt: skip


def _counted(batches: Iterable[list[Row]], progress: Progress, total: int
             ) -> Iterator[list[Row]]:  # fmt: skip
    done = 0
    progress(0, total)
    for batch in batches:
        yield batch
        done += len(batch)
        progress(done, max(total, done))


def _write_file(p: Plan, batches: Iterable[list[Row]], path: Path, notify: Notify | None, *,
                shown: Path) -> int:  # fmt: skip
    if p.fmt == "xlsx":
        return write_xlsx(batches, p.keys, path, sheet=p.kind, notify=notify, shown=shown)
    with path.open("wb") as fh:
        return _write_stream(p, batches, fh, notify)


def _write_stream(p: Plan, batches: Iterable[list[Row]], out: IO[bytes],
                  notify: Notify | None) -> int:  # fmt: skip
    if p.fmt == "csv":
        return write_csv(batches, p.keys, out, excel=p.excel)
    if p.fmt == "jsonl":
        return write_jsonl(batches, p.keys, out)
    if p.fmt == "json":
        return write_json(batches, p.keys, out)
    # XLSX is a zip file, written whole: built in a temporary folder, then copied to `out`
    with tempfile.TemporaryDirectory(prefix="svcdesk-export-") as folder:
        tmp = Path(folder) / f"{p.kind}.xlsx"
        rows = write_xlsx(batches, p.keys, tmp, sheet=p.kind, notify=notify, shown=None)
        with tmp.open("rb") as fh:
            shutil.copyfileobj(fh, out)
    out.flush()
    return rows


# --------------------------------------------------------------------------------------------
# The formats


class _Rows:
    """What the csv module writes, kept: a line at a time, ending in CRLF."""

    __slots__ = ("lines",)

    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, line: str) -> None:
        self.lines.append(line)


def _scalar(value: Any) -> str:
    if value.__class__ is bool:
        return "true" if value else "false"
    return str(value)


def write_csv(batches: Iterable[Sequence[Row]], keys: Sequence[str], out: IO[bytes], *,
              excel: bool = False) -> int:  # fmt: skip
    """CSV with its header always (an empty export too); every text cell neutralised. With
    `excel`: a UTF-8 BOM and CRLF line ends; else UTF-8 and LF. Returns the rows written.

    A row whose cells hold no comma, quote or line break (most) is joined as it is; any other
    is written by the csv module, whose terminator CRLF makes it quote a cell holding a lone
    carriage return as well as one holding a line feed."""
    import csv

    text = io.TextIOWrapper(out, encoding="utf-8-sig" if excel else "utf-8", newline="",
                            write_through=False)  # fmt: skip
    eol = "\r\n" if excel else "\n"
    kept = _Rows()
    writer = csv.writer(kept, lineterminator="\r\n")

    def quoted(cells: Sequence[Any]) -> str:
        writer.writerow(cells)
        return kept.lines.pop()[:-2]

    commas = len(keys) - 1
    plain = commas > 0  # one empty cell alone must be written "" (an empty line is no row)
    first, quote, risky = _FIRST, neutralised, _RISKY_CELL.search
    count = 0
    try:
        text.write(quoted(keys) + eol)
        for batch in batches:
            lines = []
            for row in batch:
                try:  # a row of text (most): its line, if no cell needs a closer look
                    line = ",".join(row)
                except TypeError:  # a number or none among the cells
                    line = ""
                if (not line or not plain or '"' in line or "\n" in line or "\r" in line
                        or line.count(",") != commas or line[:1] in first
                        or risky(line)):  # fmt: skip
                    cells = [(quote(v) if v[:1] in first else v) if v.__class__ is str
                             else "" if v is None else _scalar(v) for v in row]  # fmt: skip
                    line = ",".join(cells)
                    if (not plain or '"' in line or "\n" in line or "\r" in line
                            or line.count(",") != commas):  # fmt: skip
                        line = quoted(cells)
                lines.append(line)
            if lines:
                text.write(eol.join(lines) + eol)
            count += len(batch)
        text.flush()
    finally:
        text.detach()  # the caller's stream stays open
    return count


def write_jsonl(batches: Iterable[Sequence[Row]], keys: Sequence[str], out: IO[bytes]) -> int:
    """One JSON object a line, the data as stored."""
    dumps = orjson.dumps
    count = 0
    for batch in batches:
        if batch:
            out.write(b"\n".join([dumps(dict(zip(keys, r, strict=True)), default=_iso)
                                  for r in batch]) + b"\n")  # fmt: skip
            count += len(batch)
    out.flush()
    return count


def write_json(batches: Iterable[Sequence[Row]], keys: Sequence[str], out: IO[bytes]) -> int:
    """One JSON array of objects, streamed a batch at a time, the data as stored."""
    count = 0
    out.write(b"[")
    for batch in batches:
        if not batch:
            continue
        # one orjson call per batch; its brackets dropped so the batches join into one array
        chunk = orjson.dumps([dict(zip(keys, r, strict=True)) for r in batch], default=_iso,
                             option=orjson.OPT_NON_STR_KEYS)  # fmt: skip
        out.write((b",\n" if count else b"\n") + chunk[1:-1])
        count += len(batch)
    out.write(b"\n]\n" if count else b"]\n")
    out.flush()
    return count


def _xlsxwriter() -> Any:
    try:
        import xlsxwriter
    except ImportError:
        raise StoreError(XLSX_HINT) from None
    return xlsxwriter


def _width(key: str) -> int:
    if key == "id":
        return 38
    if key.endswith("_at"):
        return 26
    if key in ("title", "summary", "notes", "body", "clocks", "parts", "items", "details",
               "note"):  # fmt: skip
        return 48
    return 14


def write_xlsx(batches: Iterable[Sequence[Row]], keys: Sequence[str], path: Path, *,
               sheet: str, notify: Notify | None = None,
               shown: Path | None = None) -> int:  # fmt: skip
    """An XLSX workbook written row by row in xlsxwriter's constant-memory mode: text as text
    (never a formula or a link, and neutralised), numbers as numbers, a bold header row that
    stays in view. Rows beyond a sheet's 1,048,576 go on to another sheet, and a text longer
    than a cell's 32,767 characters is cut short there: both are said (`notify`). The sheets'
    rows wait in a temporary folder beside `path`, removed whatever happens."""
    xlsxwriter = _xlsxwriter()
    work = tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".rows", dir=path.parent)
    try:
        book = xlsxwriter.Workbook(str(path), {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False, "tmpdir": work,
        })  # fmt: skip
        try:
            sheets, cut, count = _fill(book, batches, keys, sheet)
            book.close()
        except BaseException:
            for ws in book.worksheets():  # their rows' files, open in `work`
                fh = getattr(ws, "row_data_fh", None)
                if fh is not None:
                    fh.close()
            raise
    except xlsxwriter.exceptions.XlsxWriterException as exc:
        where = shown if shown is not None else "the workbook"
        raise StoreError(f"cannot write {where}: {exc}; nothing was written") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if notify is not None:
        if sheets > 1:
            notify(f"note: {count:,} rows are more than a sheet holds ({XLSX_MAX_ROWS - 1:,} "
                   f"and its header): they go on over {sheets} sheets")
        if cut:
            notify(f"note: {cut:,} cell(s) held more than {XLSX_MAX_TEXT:,} characters, "
                   "all an Excel cell holds, and were cut short; -f csv or jsonl keeps them "
                   "whole")
    return count


def _fill(book: Any, batches: Iterable[Sequence[Row]], keys: Sequence[str], sheet: str
          ) -> tuple[int, int, int]:  # fmt: skip
    """Write the rows into `book`'s sheets; (sheets, cells cut short, rows)."""
    bold = book.add_format({"bold": True})
    sheets = cut = count = 0

    def new_sheet() -> Any:
        nonlocal sheets
        sheets += 1
        ws = book.add_worksheet(sheet if sheets == 1 else f"{sheet} ({sheets})")
        for c, key in enumerate(keys):
            ws.set_column(c, c, _width(key))
            ws.write_string(0, c, key, bold)
        ws.freeze_panes(1, 0)
        return ws

    def writers(ws: Any) -> tuple[Any, Any, Any]:
        # the undecorated writers (the public ones first look whether a cell is named "A1")
        return (getattr(ws, "_write_string", ws.write_string),
                getattr(ws, "_write_number", ws.write_number),
                getattr(ws, "_write_boolean", ws.write_boolean))  # fmt: skip

    ws = new_sheet()
    text, number, boolean = writers(ws)
    r = 0
    first, quote, limit, longest = _FIRST, neutralised, XLSX_MAX_ROWS - 1, XLSX_MAX_TEXT
    for batch in batches:
        for row in batch:
            if r == limit:
                ws = new_sheet()
                text, number, boolean = writers(ws)
                r = 0
            r += 1
            c = -1
            for v in row:
                c += 1
                if v is None or v == "":
                    continue
                if v.__class__ is str:
                    if v[:1] in first:
                        v = quote(v)
                    if len(v) > longest:
                        cut += 1
                        text(r, c, v[:longest])
                    elif text(r, c, v) == -2:  # over 32,767 UTF-16 units: xlsxwriter cut it
                        cut += 1
                elif v.__class__ is bool:
                    boolean(r, c, v)
                elif isinstance(v, int | float):
                    number(r, c, v)
                else:
                    text(r, c, quote(str(v)))
        count += len(batch)
    return sheets, cut, count
