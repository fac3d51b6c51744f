"""The one renderer: every list, record and message a command produces leaves svcdesk here.

A command returns a `Result` (its data, the human line, its exit code); `render_result` is the
only place that decides what goes to stdout (data) and to stderr (messages) in every format.
Formats: `table` (rich, on a terminal), `plain` (tabulate, the default in a pipe), `md`
(tabulate's GitHub tables), `csv` (spreadsheet-safe) and `json` (stable field names, instants
ISO 8601 with offset, durations in seconds). Records are plain dicts whose instants are aware
datetimes already in the display zone; only here are they turned into text.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from typing import IO, Any

from svcdesk.errors import ExitCode, InvalidValue

FORMATS = ("table", "plain", "md", "csv", "json")


@dataclass(frozen=True)
class Col:
    """A column of a human-readable view: which key, its header, and how to show it."""

    key: str
    header: str
    kind: str = "text"  # text | instant | duration | relative | count
    lang: str = "en"  # `relative`: the language of `in 2 h 10 min` / `2小时10分钟后`


@dataclass
class Section:
    """A titled list shown under a record (a ticket's timeline, its clocks)."""

    key: str
    title: str
    cols: Sequence[Col]


Style = Callable[[dict[str, Any]], str | None]


@dataclass
class Result:
    """What a command hands to `render_result`: its data, what to tell the person, its exit code.

    Data is a `record` (shown with `fields` and `sections`), `rows` (shown with `cols`) or `text`
    already written out (a policy's TOML). `message` is the human line on stderr, printed when
    no data is: for commands with nothing else to show, and for `brief` results when no `-f`
    was given (`init`, `db backup`, `sync`: a line for the person, the record for a script).
    """

    record: dict[str, Any] | None = None
    fields: Sequence[Col] = ()
    sections: Sequence[Section] = ()
    rows: Iterable[dict[str, Any]] | None = None
    cols: Sequence[Col] = ()
    empty: str | None = None  # said (table format only) when there are no rows
    style: Style | None = None  # a row's Rich style (table format only)
    title: str | None = None  # a line on stderr above the rows (table format only)
    text: str | None = None  # data that is already text: to stdout as it is
    message: str | None = None  # the human line, to stderr
    brief: bool = False  # no -f: `text` and `message` instead of the record
    # the record as people read it (summaries, reasons as rows): every format but JSON
    human: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    notes: list[str] = field(default_factory=list)  # remarks to stderr before anything else
    check: bool = False  # --check: exit 3 when any row was printed
    exit_code: int = ExitCode.OK


def render_result(result: Result, fmt: str | None, *, out: IO[str] | None = None) -> int:
    """Print a command's result in format `fmt` (None: not given); returns its exit code.

    Data goes to stdout, messages to stderr; JSON and CSV carry no colour and no message.
    """
    stream = out or sys.stdout
    chosen = pick_format(fmt, stream)
    for line in result.notes:
        _stderr(line)
    if (result.record is None and result.rows is None) or (result.brief and fmt is None):
        if result.text:
            _text(result.text, out)
        if result.message is not None:
            _stderr(result.message)
        return result.exit_code
    if result.rows is not None:
        if result.title is not None and chosen == "table":
            _stderr(result.title)
        count = render_list(
            result.rows, result.cols, chosen, out=stream, empty=result.empty, style=result.style
        )
        if result.check and count:
            return max(result.exit_code, ExitCode.FOUND)
        return result.exit_code
    record = result.record
    assert record is not None
    if result.human is not None and chosen != "json":
        record = result.human(record)
    render_record(record, result.fields, chosen, sections=result.sections, out=stream)
    return result.exit_code


def _text(text: str, out: IO[str] | None) -> None:
    import typer  # click's echo, as the commands always wrote text

    typer.echo(text, nl=False, file=out)


def pick_format(fmt: str | None, stream: IO[str] | None = None) -> str:
    if fmt is None:
        stream = stream or sys.stdout
        return "table" if stream.isatty() else "plain"
    f = fmt.strip().lower()
    if f == "markdown":
        f = "md"
    if f not in FORMATS:
        raise InvalidValue(f"unknown format {fmt!r} (choose from: {', '.join(FORMATS)})")
    return f


def _human(value: Any, kind: str, lang: str = "en") -> str:
    if value is None:
        return ""
    if kind == "relative":  # seconds left: `in 2 h 10 min`, `overdue by 3 d 4 h`
        from svcdesk import humanize

        return humanize.relative(value, lang) if value >= 0 else humanize.overdue(-value, lang)
    if kind == "duration":
        from svcdesk.clock import format_duration

        return format_duration(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if kind == "instant" and isinstance(value, str):  # already ISO 8601 (pre-rendered clocks)
        return f"{value[:10]} {value[11:16]}"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (OWASP CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        import orjson

        value = orjson.dumps(value, default=_json_default).decode()
    text = str(value)
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def _json_bytes(value: Any) -> bytes:
    import orjson

    return orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS)


def render_list(
    rows: Iterable[dict[str, Any]],
    cols: Sequence[Col],
    fmt: str | None,
    *,
    out: IO[str] | None = None,
    empty: str | None = None,
    style: Callable[[dict[str, Any]], str | None] | None = None,
) -> int:
    """Print every row (streaming where the format allows); returns how many were printed."""
    out = out or sys.stdout
    fmt = pick_format(fmt, out)
    # Everything imported so far lives until exit: keep the cyclic collector from rescanning it
    # while a long list streams by (a large list runs ~15% faster).
    gc.freeze()
    if fmt == "json":
        return _json_list(rows, out)
    if fmt == "csv":
        return _csv_list(rows, out)
    materialised = list(rows)
    if not materialised:
        if empty and fmt == "table":
            _stderr(empty)
        return 0
    if fmt == "table":
        _rich_table(materialised, cols, out, style)
    else:
        _tab_table(materialised, cols, fmt, out)
    return len(materialised)


def render_record(
    record: dict[str, Any],
    fields: Sequence[Col],
    fmt: str | None,
    *,
    sections: Sequence[Section] = (),
    out: IO[str] | None = None,
) -> None:
    """Print one record: key/value lines, then each section as its own table."""
    out = out or sys.stdout
    fmt = pick_format(fmt, out)
    if fmt == "json":
        out.write(_json_bytes(record).decode() + "\n")
        return
    if fmt == "csv":
        flat = {k: v for k, v in record.items() if not isinstance(v, list)}
        _csv_list([flat], out)
        return
    pairs = [
        {"field": f.header, "value": _human(record.get(f.key), f.kind, f.lang)} for f in fields
    ]
    kv_cols = [Col("field", ""), Col("value", "")]
    if fmt == "table":
        from rich.table import Table

        console = _console(out)
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold cyan")
        grid.add_column()
        for p in pairs:
            grid.add_row(p["field"], p["value"])
        console.print(grid)
    else:
        if fmt == "md":
            _tab_table(pairs, [Col("field", "field"), Col("value", "value")], fmt, out)
        else:
            _tab_table(pairs, kv_cols, fmt, out, headers=False)
    for sec in sections:
        rows = record.get(sec.key) or []
        out.write("\n")
        if fmt == "table":
            _console(out).print(f"[bold]{sec.title}[/bold]")
        elif fmt == "md":
            out.write(f"### {sec.title}\n\n")
        else:
            out.write(f"{sec.title}:\n")
        if not rows:
            out.write("  (none)\n")
        elif fmt == "table":
            _rich_table(rows, sec.cols, out)
        else:
            _tab_table(rows, sec.cols, fmt, out)


def _console(out: IO[str]) -> Any:
    """A Rich console on `out`: the terminal's width, or wide enough not to wrap in a file."""
    from rich.console import Console

    return Console(file=out, width=None if out.isatty() else 240)


def _stderr(message: str) -> None:
    sys.stderr.write(message + "\n")


def _json_list(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """Stream a JSON array in chunks: constant memory for any number of rows."""
    it: Iterator[dict[str, Any]] = iter(rows)
    count = 0
    out.flush()
    raw = getattr(out, "buffer", None)  # bytes straight to the stream: no decode and re-encode
    write = raw.write if raw is not None else (lambda b: out.write(b.decode()))
    write(b"[")
    while True:
        chunk = list(islice(it, 500))
        if not chunk:
            break
        # One orjson call per chunk (a call per row costs more than the encoding itself);
        # the chunk's own brackets are dropped so the chunks join into one array.
        write((b",\n" if count else b"\n") + _json_bytes(chunk)[1:-1])
        count += len(chunk)
    write(b"\n]\n" if count else b"]\n")
    if raw is not None:
        raw.flush()
    return count


def _csv_list(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    import csv

    writer = csv.writer(out, lineterminator="\n")
    count = 0
    header: list[str] | None = None
    for row in rows:
        if header is None:
            header = [k for k, v in row.items() if not isinstance(v, list) or k == "clocks"]
            header = [k for k in header if k not in ("events",)]
            writer.writerow(header)
        writer.writerow([csv_cell(row.get(k)) for k in header])
        count += 1
    return count


def _tab_table(
    rows: list[dict[str, Any]], cols: Sequence[Col], fmt: str, out: IO[str], headers: bool = True
) -> None:
    from tabulate import tabulate

    data = [[_human(r.get(c.key), c.kind, c.lang) for c in cols] for r in rows]
    table_fmt = "github" if fmt == "md" else "plain"
    hdrs = [c.header for c in cols] if headers and any(c.header for c in cols) else ()
    out.write(tabulate(data, headers=hdrs, tablefmt=table_fmt, disable_numparse=True) + "\n")


def _rich_table(
    rows: list[dict[str, Any]],
    cols: Sequence[Col],
    out: IO[str],
    style: Callable[[dict[str, Any]], str | None] | None = None,
) -> None:
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for c in cols:
        table.add_column(c.header, justify="right" if c.kind in ("count", "duration") else "left")
    for r in rows:
        table.add_row(
            *(_human(r.get(c.key), c.kind, c.lang) for c in cols), style=style(r) if style else None
        )
    _console(out).print(table)
