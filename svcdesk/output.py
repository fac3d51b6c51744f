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
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from typing import IO, Any

from svcdesk.csvtext import FIRST, list_value
from svcdesk.csvtext import cell as csv_cell
from svcdesk.errors import ExitCode, InvalidValue
from svcdesk.jsontext import CsvLine, JsonObject

FORMATS = ("table", "plain", "md", "csv", "json")


@dataclass(frozen=True)
class Col:
    """A column of a human-readable view: which key, its header, and how to show it."""

    key: str
    header: str
    kind: str = "text"  # text | instant | duration | relative | count
    lang: str = "en"  # `relative`: the language of `in 2 h 10 min` / `2小时10分钟后`
    drop: int = 0  # on a narrow terminal, columns with the highest `drop` are left out first


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
    footer: str | None = None  # a line on stderr below the rows (table format only)
    text: str | None = None  # data that is already text: to stdout as it is
    message: str | None = None  # the human line, to stderr
    brief: bool = False  # no -f: `text` and `message` instead of the record
    # the record as people read it (summaries, reasons as rows): every format but JSON
    human: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    notes: list[str] = field(default_factory=list)  # remarks to stderr before anything else
    check: bool = False  # --check: exit 3 when any row was printed
    quiet: bool = False  # --check -q: print nothing, stop at the first row
    keys: Sequence[str] | None = None  # the CSV header of an empty list (default: the cols')
    row_keys: Sequence[str] | None = None  # rows are tuples of these fields
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
        if result.quiet:  # only the exit status: "is there anything?"
            found = next(iter(result.rows), None) is not None
            return (
                max(result.exit_code, ExitCode.FOUND)
                if found and result.check
                else result.exit_code
            )
        if result.title is not None and chosen == "table":
            _stderr(result.title)
        count = render_list(
            result.rows, result.cols, chosen, out=stream, empty=result.empty, style=result.style,
            keys=result.keys, row_keys=result.row_keys,
        )  # fmt: skip
        if result.footer is not None and chosen == "table" and count:
            stream.flush()  # below the rows on a terminal
            _stderr(result.footer)
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
        return value.isoformat(" ", "minutes")[:16]
    if kind == "instant" and isinstance(value, str):  # already ISO 8601 (pre-rendered clocks)
        return f"{value[:10]} {value[11:16]}"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


# ---------------------------------------------------------------------------------------------
# Text from users, made harmless where a person reads it. Stored data keeps every character;
# what reaches a terminal, a Markdown page or stderr has its control characters shown as
# symbols (an ESC cannot start an escape sequence, a CR cannot overwrite a line), and bidi
# overrides (which reorder what is read) shown as their code points. Rich never parses user
# text as markup: cells are `Text` objects.

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _visible(ch: str, keep_newlines: bool) -> str:
    code = ord(ch)
    if ch == "\n":
        return ch if keep_newlines else "\u21b5"  # ↵
    if ch == "\t":
        return " "
    if code < 0x20:
        return chr(0x2400 + code)  # the control pictures: ␀ ␛ ␍
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0x80 <= code <= 0x9F:  # C1 controls (0x9b is a one-byte CSI on some terminals)
        return f"<U+{code:04X}>"
    if ch in _BIDI:
        return f"<U+{code:04X}>"
    if ch in ("\u2028", "\u2029"):
        return "\n" if keep_newlines else "\u21b5"
    if 0xD800 <= code <= 0xDFFF:  # a lone surrogate (undecodable bytes)
        return "\ufffd"
    return ch


def shown(text: str, *, keep_newlines: bool = False) -> str:
    """`text` as it may be shown on a terminal, in Markdown or on stderr (see above)."""
    if text.isprintable():
        return text
    import unicodedata

    out = []
    for ch in text:
        if ch.isprintable() or (unicodedata.category(ch) == "Cf" and ch not in _BIDI):
            out.append(ch)  # zero-width joiners of emoji, soft hyphens: harmless
        else:
            out.append(_visible(ch, keep_newlines))
    return "".join(out)


def _width(text: str) -> int:
    if text.isascii():
        return len(text)
    from wcwidth import wcswidth

    n = wcswidth(text)
    return n if n >= 0 else len(text)


def _pad(text: str, width: int) -> str:
    gap = width - _width(text)
    return text + " " * gap if gap > 0 else text


# a CSV line some later cell of which may start a formula (`\s`: str.isspace's set)
risky_cell = re.compile(r",[=+\-@\s]").search


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def _json_bytes(value: Any) -> bytes:
    import orjson

    return orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS)


FLEX_MIN = 20  # the fewest cells free text gets before optional columns are left out
SHORT_TEXT = 20  # a text column no wider than this is not shortened on a narrow terminal
CHUNK = 1000  # rows held at once while a list streams: the first sets the column widths


def render_list(
    rows: Iterable[dict[str, Any]],
    cols: Sequence[Col],
    fmt: str | None,
    *,
    out: IO[str] | None = None,
    empty: str | None = None,
    style: Callable[[dict[str, Any]], str | None] | None = None,
    keys: Sequence[str] | None = None,
    row_keys: Sequence[str] | None = None,
) -> int:
    """Print every row, streaming in every format (constant memory: the widths of a text table
    come from its first rows, and a longer value later pushes only its own line); returns how
    many were printed. `keys` are the CSV columns of an empty list (default: the view's).
    With `row_keys`, rows are tuples of those fields (a long list makes no dict per row)."""
    out = out or sys.stdout
    fmt = pick_format(fmt, out)
    # Everything imported so far lives until exit: keep the cyclic collector from rescanning it
    # while a long list streams by (a large list runs ~15% faster).
    gc.freeze()
    positions = None
    if row_keys is not None:
        names = list(row_keys)
        positions = {k: i for i, k in enumerate(names)}
        if fmt in ("json", "csv"):
            rows = (dict(zip(names, r, strict=True)) for r in rows)
    if fmt == "json":
        return _json_list(rows, out)
    if fmt == "csv":
        return _csv_list(rows, out, keys if keys is not None else [c.key for c in cols])
    it = iter(rows)
    first = list(islice(it, CHUNK))
    if positions is not None:
        first = [dict(zip(names, r, strict=True)) for r in first]
    if not first:
        if empty and fmt == "table":
            _stderr(empty)
        return 0
    if fmt == "table":
        return _rich_list(first, it, cols, out, style, positions=positions)
    return _text_list(first, it, cols, fmt, out, positions)


def render_record(
    record: dict[str, Any],
    fields: Sequence[Col],
    fmt: str | None,
    *,
    sections: Sequence[Section] = (),
    out: IO[str] | None = None,
) -> None:
    """Print one record: key/value lines, then each section as its own table. A record is shown
    whole: long values wrap rather than being cut."""
    out = out or sys.stdout
    fmt = pick_format(fmt, out)
    if fmt == "json":
        out.write(_json_bytes(record).decode() + "\n")
        return
    if fmt == "csv":
        flat = {k: v for k, v in record.items() if k != "events"}
        _csv_list([flat], out, list(flat))
        return
    pairs = [(f.header, _human(record.get(f.key), f.kind, f.lang)) for f in fields]
    if fmt == "table":
        from rich.table import Table
        from rich.text import Text

        console = _console(out)
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold cyan", no_wrap=True)
        grid.add_column()
        for name, value in pairs:
            grid.add_row(name, Text(shown(value, keep_newlines=True)))
        console.print(grid)
    elif fmt == "md":
        lines = ["| field | value |", "| --- | --- |"]
        lines += [f"| {_md(name)} | {_md(value)} |" for name, value in pairs]
        out.write("\n".join(lines) + "\n")
    else:
        width = max((_width(name) for name, _ in pairs), default=0)
        for name, value in pairs:
            text = shown(value, keep_newlines=True).replace("\n", "\n" + " " * (width + 2))
            out.write((_pad(name, width) + "  " + text).rstrip() + "\n")
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
            _rich_list(rows, iter(()), sec.cols, out, whole=True)
        else:
            _text_list(rows, iter(()), sec.cols, fmt, out)


def _console(out: IO[str]) -> Any:
    """A Rich console on `out`: the terminal's width, or wide enough not to wrap in a file."""
    from rich.console import Console

    return Console(file=out, width=None if out.isatty() else 240, highlight=False)


def _stderr(message: str) -> None:
    sys.stderr.write(shown(message) + "\n")


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


def _json_cells(keys: Sequence[str]) -> Callable[[str], str | None]:
    """A JsonObject -> its CSV line, read out of the text with string operations only, or None
    where that cannot be exact (a backslash escape, a cell that could start a formula, a
    value that is not text): `_csv_list` then writes the row as the csv module does.

    Without a backslash, no value holds a `"`, a line break or a control character (JSON
    escapes them all), so the text splits at its quotes into keys and values exactly."""
    head_keys = list(keys[:-1])
    n = len(head_keys)
    size = 4 * n + 1  # '', key, ':', value, ',', key, ... value, ''
    last = keys[-1] if keys else ""
    tail = f',"{last}":['
    skip = len(tail) - 1

    def line(text: str) -> str | None:
        if "\\" in text:
            return None
        at = text.find(tail)
        if at < 0 or not text.endswith("]}"):
            return None
        parts = text[1:at].replace('":null', '":""').split('"')
        if len(parts) != size or parts[1::4] != head_keys:
            return None  # a number, a boolean or a nested value among the text fields
        values = parts[3::4]
        row = ",".join(values)
        if row[:1] in FIRST or risky_cell(row):
            return None  # some value may start a formula (or merely holds ",=" or ", ")
        if row.count(",") != n - 1:  # a comma inside a value: quote the values that hold one
            row = ",".join(f'"{v}"' if "," in v else v for v in values)
        listed = text[at + skip : -1]
        if listed == "[]":  # an empty list is an empty cell, as `_csv_value` gives it
            return row + ","
        if '"' in listed or "," in listed:
            return row + ',"' + listed.replace('"', '""') + '"'
        return row + "," + listed

    return line


_csv_value = list_value


def _csv_list(rows: Iterable[dict[str, Any]], out: IO[str], keys: Sequence[str]) -> int:
    """CSV with a header always (an empty list too); list fields kept, `events` (a ticket's
    whole timeline, in `show` only) left out."""
    import csv

    writer = csv.writer(out, lineterminator="\n")
    # The csv module quotes a field holding the line terminator, not a lone CR, which readers
    # take for a line break: rows that hold one are written with every field quoted.
    quoting = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    it = iter(rows)
    first = next(it, None)
    if first is None:
        writer.writerow(list(keys))
        return 0
    if first.__class__ is CsvLine:  # finished lines come in the order of the list's keys
        header = list(keys)
    else:
        if isinstance(first, JsonObject):
            first = first.record()
        header = [k for k in first if k != "events"]
    writer.writerow(header)
    cr: list[bool] = [False]
    cells = _csv_reader(header, cr)
    fast = _json_cells(header)
    count = 0
    chunk = [first]
    while chunk:
        lines: list[str] = []
        for r in chunk:
            if r.__class__ is CsvLine:
                lines.append(r)
                continue
            if r.__class__ is JsonObject:
                text = fast(r)
                if text is not None:
                    lines.append(text)
                    continue
                r = r.record()
            row = cells(r)
            if lines:
                out.write("\n".join(lines) + "\n")
                lines = []
            (quoting if cr[0] else writer).writerow(row)
            cr[0] = False
        if lines:
            out.write("\n".join(lines) + "\n")
        count += len(chunk)
        chunk = list(islice(it, CHUNK))
    return count


def _csv_reader(keys: Sequence[str], cr: list[bool]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A compiled row → cells function: text that cannot start a formula passes as it is,
    anything else through `csv_cell` (see `_cell_reader` for why it is compiled); `cr[0]` is
    set when a cell holds a carriage return."""

    def cell(value: Any) -> str:
        text = csv_cell(_csv_value(value))
        if "\r" in text:
            cr[0] = True
        return text

    lines = ["def cells(r):"]
    names = []
    env: dict[str, Any] = {"_cell": cell, "_first": FIRST}
    for i, key in enumerate(keys):
        v, n = f"v{i}", f"s{i}"
        names.append(n)
        lines.append(f"    {v} = r.get({key!r})")
        lines.append(
            f"    {n} = {v} if {v}.__class__ is str and {v}[:1] not in _first "
            f"and '\\r' not in {v} else ('' if {v} is None else _cell({v}))"
        )
    lines.append(f"    return ({', '.join(names)},)")
    exec("\n".join(lines), env)  # the code above names only the record's own field names
    return env["cells"]


_MD_SPECIAL = re.compile(r"[|<>&\\]")


def _md(text: str) -> str:
    """A Markdown table cell: pipes escaped, HTML shown as text, one line."""
    text = shown(text)
    if _MD_SPECIAL.search(text):
        text = text.replace("\\", "\\\\").replace("|", "\\|")
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _cell_reader(
    cols: Sequence[Col], positions: dict[str, int] | None = None
) -> Callable[[Any], tuple[str, ...]]:
    """One compiled function that turns a row into its cells' text as `_human` would, for the
    common kinds inline (a long list spends its time here: a call per cell would double it).
    With `positions`, rows are tuples and `positions` says where each key is."""
    lines = ["def read(r):"]
    names = []
    env: dict[str, Any] = {"_human": _human}
    for i, c in enumerate(cols):
        v, n = f"v{i}", f"s{i}"
        names.append(n)
        if positions is None:
            lines.append(f"    {v} = r.get({c.key!r})")
        elif c.key in positions:
            lines.append(f"    {v} = r[{int(positions[c.key])}]")
        else:
            lines.append(f"    {v} = None")
        if c.kind == "instant":
            lines.append(
                f"    {n} = '' if {v} is None else ({v}[:10] + ' ' + {v}[11:16]"
                f" if {v}.__class__ is str else _human({v}, 'instant'))"
            )
        elif c.kind == "text":
            lines.append(
                f"    {n} = {v} if {v}.__class__ is str else ('' if {v} is None else "
                f"_human({v}, 'text'))"
            )
        elif c.kind == "relative":  # the board's time left, in words: one call a row
            from svcdesk import humanize

            env[f"_words{i}"] = humanize.time_left_words(c.lang)
            lines.append(f"    {n} = _words{i}({v})")
        else:
            lines.append(f"    {n} = _human({v}, {c.kind!r}, {c.lang!r})")
    lines.append(f"    return ({', '.join(names)},)")
    exec("\n".join(lines), env)  # the code above names only this view's own column keys
    return env["read"]


def _text_list(
    first: list[dict[str, Any]],
    rest: Iterator[Any],
    cols: Sequence[Col],
    fmt: str,
    out: IO[str],
    positions: dict[str, int] | None = None,
) -> int:
    """`plain` (aligned columns, two spaces apart) or `md` (a GitHub table), streamed.

    A row whose text is plain ASCII with nothing to neutralise (most of them) is laid out by
    one format string; any other goes cell by cell, measured in terminal cells (CJK is 2)."""
    md = fmt == "md"
    headers = [c.header for c in cols]
    show_header = any(headers)
    read_first = _cell_reader(cols)
    read = _cell_reader(cols, positions)

    def cells_of(raw: Sequence[str]) -> list[str]:
        values = [shown(v) for v in raw]
        return [_md(v) for v in values] if md else values

    def cells(row: dict[str, Any]) -> list[str]:
        return cells_of(read_first(row))

    first_cells = [cells(r) for r in first]
    widths = [_width(h) if show_header else 0 for h in headers]
    for line in first_cells:
        widths = [max(w, _width(v)) for w, v in zip(widths, line, strict=True)]
    if md:
        widths = [max(w, 3) for w in widths]
        layout = "| " + " | ".join(f"{{:<{w}}}" for w in widths) + " |"
    else:
        layout = "  ".join(f"{{:<{w}}}" for w in widths[:-1]) + (
            "  {}" if len(widths) > 1 else "{}"
        )

    def slow(values: list[str]) -> str:
        padded = [_pad(v, w) for v, w in zip(values, widths, strict=True)]
        if md:
            return "| " + " | ".join(padded) + " |"
        return "  ".join(padded).rstrip()

    fill = layout.format

    wide = _wide_layout(widths, md)

    def fmt_line(row: Any) -> str:
        values = read(row)
        joined = "".join(values)
        if joined.isprintable() and not (md and _MD_SPECIAL.search(joined)):
            if joined.isascii():
                return fill(*values) if md else fill(*values).rstrip()
            return wide(values)  # wide characters (Chinese time left, titles) in some cells
        return slow(cells_of(values))

    lines: list[str] = []
    if md:
        lines = [slow(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    elif show_header:
        lines = [slow(headers)]
    write = out.write
    lines.extend(slow(v) for v in first_cells)
    write("\n".join(lines) + "\n")
    count = len(first)
    while True:
        chunk = list(islice(rest, CHUNK))
        if not chunk:
            return count
        write("\n".join([fmt_line(r) for r in chunk]) + "\n")
        count += len(chunk)


def _rich_list(
    first: list[dict[str, Any]],
    rest: Iterator[Any],
    cols: Sequence[Col],
    out: IO[str],
    style: Callable[[dict[str, Any]], str | None] | None = None,
    *,
    whole: bool = False,
    positions: dict[str, int] | None = None,
) -> int:
    """A Rich table that fits the terminal: free text is cut with an ellipsis (`show` gives it
    whole), instants and durations are never broken. Streamed in chunks of the first's widths."""
    from rich.table import Table
    from rich.text import Text

    console = _console(out)

    # Only long free text gives way when the terminal is narrow: codes, names and statuses stay
    # whole (Rich would otherwise level every column that may shrink to one width). When even
    # so the free text would get fewer than FLEX_MIN cells, the optional columns go first.
    read_first = _cell_reader(cols)
    first_cells = [[shown(v) for v in read_first(r)] for r in first]
    size = _cell_widths()  # the first chunk's wide texts (time left in words) measured once
    longest = [
        max([size(c.header)] + [size(line[i]) for line in first_cells])
        for i, c in enumerate(cols)
    ]
    keep = list(range(len(cols)))
    if whole:
        fixed = [c.kind != "text" for c in cols]
    else:
        fixed = [c.kind != "text" or longest[i] <= SHORT_TEXT for i, c in enumerate(cols)]
        room = console.width

        def needed() -> int:
            sizes = [longest[i] if fixed[i] else min(longest[i], FLEX_MIN) for i in keep]
            return sum(sizes) + 2 * (len(keep) - 1)

        for i in sorted((i for i, c in enumerate(cols) if c.drop), key=lambda i: -cols[i].drop):
            if needed() <= room:
                break
            keep.remove(i)
    if len(keep) < len(cols):
        cols = [cols[i] for i in keep]
        fixed = [fixed[i] for i in keep]
        first_cells = [[line[i] for i in keep] for line in first_cells]

    head = Table(box=None, header_style="bold", pad_edge=False)
    for i, c in enumerate(cols):
        head.add_column(
            c.header,
            justify="right" if c.kind in ("count", "duration") else "left",
            no_wrap=fixed[i],
            overflow="ellipsis",
        )
    if whole:  # wrapped cells (a record's sections): Rich lays them out, a few rows at most
        for r, cells in zip(first, first_cells, strict=True):
            head.add_row(*(Text(v, overflow="ellipsis") for v in cells),
                         style=style(r) if style else None)  # fmt: skip
        console.print(head)
        return len(first)
    def longest_word(text: str) -> int:
        return max(map(size, text.split()), default=0)

    # Rich measures a column by its widest cell and its longest word: those cells alone give
    # it the widths of the whole first chunk. Every row is then laid out here as Rich lays
    # out a row of cells that do not wrap (Rich takes a millisecond a row).
    for i in range(len(cols)):
        column = [line[i] for line in first_cells]
        for cell in {max(column, key=size), max(column, key=longest_word)}:
            head.add_row(*(Text(cell if j == i else "", no_wrap=True) for j in range(len(cols))))
    widths = head._calculate_column_widths(console, console.options)
    inner = [w - head._get_padding_width(i) for i, w in enumerate(widths)]
    right = [c.kind in ("count", "duration") for c in cols]
    flexible = [not f for f in fixed]  # codes and instants are never cut
    first_flexible = flexible.index(True) if any(flexible) else None
    colour = console._color_system if console.is_terminal else None
    styles: dict[str, Any] = {}
    ascii_line = _ascii_layout(inner, right, flexible)

    def painted(text: str, name: str | None) -> str:
        if colour is None or not name:
            return text
        if name not in styles:
            from rich.style import Style

            styles[name] = Style.parse(name)
        return styles[name].render(text, color_system=colour)

    def line(raw: Sequence[str], name: str | None) -> str:
        joined = "".join(raw)
        if not joined.isprintable():
            return painted(laid_out([shown(v) for v in raw]), name)
        text = ascii_line(raw) if joined.isascii() else None
        return painted(text if text is not None else wide_line(raw), name)

    wide_line = _wide_rich_layout(inner, right, flexible, size)

    def laid_out(values: Sequence[str]) -> str:
        """`_fit` of every cell, each measured once (in terminal cells: CJK is 2)."""
        cells = [size(v) for v in values]
        sizes = inner
        over = sum(max(n - w, 0) for n, w, f in zip(cells, inner, fixed, strict=True) if f)
        if over and first_flexible is not None:  # a longer code takes room from the free text
            sizes = list(inner)
            sizes[first_flexible] = max(sizes[first_flexible] - over, 1)
        out = []
        for v, n, w, r, cut in zip(values, cells, sizes, right, flexible, strict=True):
            if n > w and cut:
                v, n = _fit(v, w, r, cut), w
            gap = " " * (w - n)
            out.append(gap + v if r else v + gap)
        return "  ".join(out)

    if colour is None:  # nothing is painted: no row needs its style
        style = None
    headers = [c.header for c in cols]
    write = out.write
    write(painted(laid_out(headers), "bold") + "\n")
    read_first = _cell_reader(cols)
    write("".join([line(read_first(r), style(r) if style else None) + "\n" for r in first]))
    count = len(first)
    read = _cell_reader(cols, positions)
    if style is not None and positions is not None:
        keyed, names = style, list(positions)

        def style(row: Any) -> str | None:
            return keyed(dict(zip(names, row, strict=True)))

    while True:
        chunk = list(islice(rest, CHUNK))
        if not chunk:
            return count
        write("".join([line(read(r), style(r) if style else None) + "\n" for r in chunk]))
        count += len(chunk)


def _wide_rich_layout(widths: Sequence[int], right: Sequence[bool], cut: Sequence[bool],
                      size: Callable[[str], int]) -> Callable[[Sequence[str]], str]:  # fmt: skip
    """`laid_out` of `_rich_list` compiled, for printable text: each cell measured in terminal
    cells (CJK is 2), the same text as `_fit` cell by cell, a code wider than its column taking
    the room from the first free text."""
    n = len(widths)
    lines = ["def line(vals):", f"    ({''.join(f'v{i}, ' for i in range(n))}) = vals"]
    lines += [f"    n{i} = len(v{i}) if v{i}.isascii() else _size(v{i})" for i in range(n)]
    first = next((i for i in range(n) if cut[i]), None)
    over = [f"(n{i} - {w} if n{i} > {w} else 0)" for i, w in enumerate(widths) if not cut[i]]
    if first is not None and over:
        lines.append(f"    over = {' + '.join(over)}")
        lines.append(f"    w{first} = max({widths[first]} - over, 1) if over else {widths[first]}")
    elif first is not None:
        lines.append(f"    w{first} = {widths[first]}")
    cells = []
    for i, w in enumerate(widths):
        width = f"w{i}" if i == first else str(w)
        pad = f"' ' * ({width} - n{i})"
        fitted = f"{pad} + v{i}" if right[i] else f"v{i} + {pad}"
        if cut[i]:
            fitted = f"({fitted} if n{i} <= {width} else _fit(v{i}, {width}, {right[i]}, True))"
        cells.append(fitted)
    lines.append(f"    return '  '.join(({', '.join(cells)},))")
    # The common row, every cell fitting its column, padded without measuring it twice: a
    # column's wide texts (time left in Chinese words) are kept padded; any other row is
    # laid out by the line above.
    lines += ["def fast(vals):", f"    ({''.join(f'v{i}, ' for i in range(n))}) = vals"]
    for i, w in enumerate(widths):
        just = "rjust" if right[i] else "ljust"
        lines += [f"    if v{i}.isascii():",
                  f"        if len(v{i}) > {w}:",
                  "            return line(vals)",
                  f"        p{i} = v{i}.{just}({w})",
                  "    else:",
                  f"        p{i} = _seen{i}.get(v{i})",
                  f"        if p{i} is None:",
                  f"            p{i} = _keep(_seen{i}, v{i}, {w}, {right[i]})",
                  f"            if p{i} is None:",
                  "                return line(vals)"]  # fmt: skip
    lines.append(f"    return '  '.join(({', '.join(f'p{i}' for i in range(n))},))")

    def keep(seen: dict[str, str], text: str, width: int, right: bool) -> str | None:
        cells = size(text)
        if cells > width:
            return None
        gap = " " * (width - cells)
        padded = gap + text if right else text + gap
        if len(seen) < 10_000:
            seen[text] = padded
        return padded

    env: dict[str, Any] = {"_size": size, "_fit": _fit, "_keep": keep,
                           **{f"_seen{i}": {} for i in range(n)}}  # fmt: skip
    exec("\n".join(lines), env)  # the code above holds only numbers of this table's layout
    return env["fast"]


def _wide_layout(widths: Sequence[int], md: bool) -> Callable[[Sequence[str]], str]:
    """A compiled `slow` line of `_text_list` for text with nothing to neutralise: an ASCII cell
    padded as `ljust` does, one with wide characters (Chinese time left) by its terminal cells."""
    size = _cell_widths()

    def pad(text: str, width: int, seen: dict[str, str]) -> str:
        padded = text + " " * (width - size(text))
        if len(seen) < 10_000:  # a column's wide texts repeat (time left in words): kept padded
            seen[text] = padded
        return padded

    n = len(widths)
    cells = ", ".join(f"(v{i}.ljust({w}) if v{i}.isascii() else "
                      f"(_seen{i}.get(v{i}) or _pad(v{i}, {w}, _seen{i})))"
                      for i, w in enumerate(widths))  # fmt: skip
    joined = f"'| ' + ' | '.join(({cells},)) + ' |'" if md else f"'  '.join(({cells},)).rstrip()"
    lines = ["def line(vals):", f"    ({''.join(f'v{i}, ' for i in range(n))}) = vals",
             f"    return {joined}"]  # fmt: skip
    env: dict[str, Any] = {"_pad": pad, **{f"_seen{i}": {} for i in range(n)}}
    exec("\n".join(lines), env)  # the code above holds only numbers of this table's layout
    return env["line"]


def _cell_widths() -> Callable[[str], int]:
    """`_width`, remembering the widths of the texts with wide characters a long list repeats
    (time left in Chinese words, a site's name)."""
    seen: dict[str, int] = {}

    def size(text: str) -> int:
        if text.isascii():
            return len(text)
        n = seen.get(text)
        if n is None:
            n = _width(text)
            if len(seen) < 50_000:
                seen[text] = n
        return n

    return size


def _ascii_layout(widths: Sequence[int], right: Sequence[bool], cut: Sequence[bool]
                  ) -> Callable[[Sequence[str]], str | None]:  # fmt: skip
    """A compiled `_fit` of a whole row of plain printable ASCII (one cell a character), the
    same text cell by cell; None when a cell that is never cut is wider than its column (the
    row is then laid out by `_fit`, which takes that room from the free text)."""
    lines = ["def line(vals):", f"    ({''.join(f'v{i}, ' for i in range(len(widths)))}) = vals"]
    checks = [f"len(v{i}) > {w}" for i, w in enumerate(widths) if not cut[i]]
    if checks:
        lines.append(f"    if {' or '.join(checks)}:")
        lines.append("        return None")
    cells = []
    for i, w in enumerate(widths):
        pad = f"v{i}.rjust({w})" if right[i] else f"v{i}.ljust({w})"
        if not cut[i]:
            cells.append(pad)
        elif w == 0:
            cells.append("''")
        else:
            cells.append(f"({pad} if len(v{i}) <= {w} else v{i}[:{w - 1}] + '\u2026')")
    lines.append(f"    return '  '.join(({', '.join(cells)},))")
    env: dict[str, Any] = {}
    exec("\n".join(lines), env)  # the code above holds only numbers of this table's layout
    return env["line"]


def _fit(text: str, width: int, right: bool, cut: bool) -> str:
    """`text` padded to `width` terminal cells; if longer, cut with an ellipsis when `cut`."""
    size = _width(text)
    if size > width and cut:
        from rich.cells import set_cell_size

        text = set_cell_size(text, max(width - 1, 0)) + "…" if width else ""
        size = width
    gap = " " * (width - size)
    return gap + text if right else text + gap
