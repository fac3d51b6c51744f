"""Bundle files carry change-log operations to a site with no network (DESIGN.md, Sync).

Export on one side, carry the file (a USB stick), import on the other. A bundle is one gzip
member of UTF-8 text, one JSON object a line:

    {"format": "svcdesk-bundle/1", "schema_version": 7, "replica_id": "…",
     "replica_code": "…", "created_at": "…", "count": 2,
     "version_vector": {"R…": "…"}, "codes": {"R…": "K7QM"},
     "ranges": {"R…": {"first": "…", "last": "…", "count": 2, "previous": "…"}}}  the header
    {"stamp": "…", "replica": "…", "tbl": "…", "row_id": "…",
     "op": "…", "data": "{…}", "parent": null}                            one line an operation
    {"end": true, "count": 2, "sha256": "…"}                               the end marker

What a bundle carries (DESIGN.md, Sync: every replica holds a gap-free prefix of every other
replica's operations, and a sync sends only what follows it): `ranges` names, for every replica
whose operations the bundle carries, the first and last stamp carried, how many, and
`previous`, the stamp of that replica's operation just before the first carried (null: the
bundle starts at that replica's first operation). `version_vector` is the newest stamp the
exporter held from each replica, so an importer can tell what the bundle leaves out, and
`codes` the replica codes the exporter knew. A header without them (svcdesk 0.1.0, or
`write_bundle` called without `holds`) carries every operation from the beginning; the reader
then reports the ranges it counted, each with a null `previous`. A reader checks that the
ranges a header states are exactly the operations that follow it, in stamp order.

The end marker's `sha256` is the digest of every line before it, header included, each with its
newline. The gzip header also records the file's length (an `SB` extra field, covered by the gzip
header CRC), so a short copy is reported as truncated and a damaged one as altered; `zcat` reads
a bundle as it reads any gzip file.

Writing streams in constant memory: the operations go to an anonymous temporary file first (the
header's count is known only at the end), then header, operations and end marker go to
`NAME.partial`, which replaces NAME only once it is complete and flushed to disk.

Reading verifies before it yields anything that could be applied: `read_bundle` makes a first
streaming pass that checks the header, the length, the checksum, the counts and the shape of
every line, and only then returns an iterator that reads the file a second time and yields the
operations. Reading twice costs little at the sizes a service desk exchanges, and memory stays
constant. The second pass refuses a file that changed since the first (the file's identity, and
the checksum again at its end), so apply what it yields inside one transaction.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import struct
import tempfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from svcdesk.errors import StoreError

FORMAT = "svcdesk-bundle/1"
OP_KEYS = ("stamp", "replica", "tbl", "row_id", "op", "data", "parent")
MAX_LINE = 64 * 1024 * 1024  # the longest line a reader accepts; a writer refuses longer ops

_OP_KEY_SET = frozenset(OP_KEYS)
_STR_KEYS = OP_KEYS[:-1]
_HEADER_TYPES: dict[str, type] = {
    "format": str,
    "schema_version": int,
    "replica_id": str,
    "replica_code": str,
    "created_at": str,
    "count": int,
}
_END_KEYS = frozenset({"end", "count", "sha256"})
_CHUNK = 1024 * 1024
_LEVEL = 6  # the bundle itself
_SPOOL_LEVEL = 1  # the temporary file: speed over size
_NEWLINE = orjson.OPT_APPEND_NEWLINE

_MAGIC = b"\x1f\x8b"
_FHCRC, _FEXTRA, _FNAME, _FCOMMENT = 0x02, 0x04, 0x08, 0x10
_LENGTH_FIELD = b"SB"  # gzip extra subfield: the file's length, 8 bytes little-endian


class BundleError(StoreError):
    """A bundle cannot be written or read as asked: missing, damaged, altered or too new."""


@dataclass(frozen=True)
class Carried:
    """What a bundle carries of one replica's operations: stamps `first` to `last`, `count` of
    them, after `previous` (that replica's operation just before; None: from its first)."""

    first: str
    last: str
    count: int
    previous: str | None

    def as_header(self) -> dict[str, Any]:
        return {"first": self.first, "last": self.last, "count": self.count,
                "previous": self.previous}  # fmt: skip


# -- writing ---------------------------------------------------------------------------------


def write_bundle(
    path: Path,
    *,
    schema_version: int,
    replica_id: str,
    replica_code: str,
    created_at: str,
    ops: Iterable[Mapping[str, Any]],
    holds: Mapping[str, str] | None = None,
    previous: Mapping[str, str | None] | None = None,
    codes: Mapping[str, str] | None = None,
) -> int:
    """Write `ops` to a bundle at `path` (replacing it only once complete); the number of ops.

    With `holds` (the exporter's version vector) the header also states what the bundle
    carries (`ranges`, counted from `ops`, which must come in stamp order per replica) and the
    replica `codes` the exporter knows. `previous` maps a replica to its operation just before
    the first one in `ops` (absent: `ops` start at its first). `previous` and `codes` are read
    only once every operation has been written, so the generator of `ops` may fill them.
    """
    path = Path(path)
    header: dict[str, Any] = {
        "format": FORMAT,
        "schema_version": schema_version,
        "replica_id": replica_id,
        "replica_code": replica_code,
        "created_at": created_at,
        "count": 0,
    }
    problem = _header_problem(header)
    if problem:
        raise BundleError(f"cannot export a bundle: {problem}")
    if path.is_dir():
        raise BundleError(f"cannot write {path}: it is a directory")
    if not path.parent.is_dir():
        raise BundleError(f"cannot write {path}: the folder {path.parent} does not exist")
    partial = path.with_name(path.name + ".partial")
    try:
        with tempfile.TemporaryFile(dir=path.parent, prefix=".svcdesk-bundle-") as spool:
            writer = _GzipWriter(spool, _SPOOL_LEVEL)
            ranges = _Ranges() if holds is not None else None
            count = _spool_ops(ops, writer, ranges)
            writer.finish()
            spool.seek(0)
            header["count"] = count
            if ranges is not None and holds is not None:
                header["version_vector"] = dict(holds)
                header["codes"] = dict(codes or {})
                header["ranges"] = ranges.stated(previous or {})
                problem = _header_problem(header)
                if problem:
                    raise BundleError(f"cannot export a bundle: {problem}")
            try:
                with open(partial, "wb") as raw:
                    _write_final(raw, header, spool)
                    raw.flush()
                    os.fsync(raw.fileno())
                os.replace(partial, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    partial.unlink(missing_ok=True)
                raise
    except OSError as exc:
        raise BundleError(f"cannot write {path}: {_reason(exc)}") from None
    _sync_folder(path.parent)
    return count


def _spool_ops(
    ops: Iterable[Mapping[str, Any]], writer: _GzipWriter, ranges: _Ranges | None = None
) -> int:
    """Check and write each op as a line (counting its range); the number written."""
    count = 0
    batch = bytearray()
    for count, op in enumerate(ops, 1):
        batch += _op_line(op, count)
        if ranges is not None:
            why = ranges.add(op)
            if why:
                raise BundleError(f"cannot export operation {count}: {why}")
        if len(batch) >= _CHUNK:
            writer.write(batch)
            batch.clear()
    writer.write(batch)
    return count


def _op_line(op: Any, number: int) -> bytes:
    problem = _op_problem(op)
    if problem:
        raise BundleError(f"cannot export operation {number}: {problem}")
    try:
        line = orjson.dumps({key: op[key] for key in OP_KEYS}, option=_NEWLINE)
    except orjson.JSONEncodeError as exc:
        raise BundleError(f"cannot export operation {number}: {exc}") from None
    if len(line) > MAX_LINE:
        raise BundleError(
            f"cannot export operation {number}: it is larger than {MAX_LINE // 2**20} MiB"
        )
    return line


def _write_final(raw: IO[bytes], header: dict[str, Any], spool: IO[bytes]) -> None:
    """Header, the spooled op lines and the end marker, as one gzip member."""
    writer = _GzipWriter(raw, _LEVEL)
    first = orjson.dumps(header, option=_NEWLINE)
    digest = hashlib.sha256(first)
    writer.write(first)
    with gzip.GzipFile(fileobj=spool, mode="rb") as lines:
        while chunk := lines.read(_CHUNK):
            digest.update(chunk)
            writer.write(chunk)
    end = {"end": True, "count": header["count"], "sha256": digest.hexdigest()}
    writer.write(orjson.dumps(end, option=_NEWLINE))
    writer.finish()


def _gzip_header(length: int) -> bytes:
    """A gzip member header (RFC 1952) recording the file's length, with a header CRC; mtime is
    0 so the same operations always make the same bytes."""
    extra = _LENGTH_FIELD + struct.pack("<HQ", 8, length)
    head = _MAGIC + bytes([8, _FEXTRA | _FHCRC]) + struct.pack("<IBB", 0, 0, 255)
    head += struct.pack("<H", len(extra)) + extra
    return head + struct.pack("<H", zlib.crc32(head) & 0xFFFF)


_HEADER_LEN = len(_gzip_header(0))


class _GzipWriter:
    """One gzip member written to a seekable file; the file's length is patched in at the end."""

    def __init__(self, raw: IO[bytes], level: int) -> None:
        self._raw = raw
        self._deflate = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
        self._crc = 0
        self._size = 0
        raw.write(_gzip_header(0))

    def write(self, data: bytes | bytearray) -> None:
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        self._raw.write(self._deflate.compress(data))

    def finish(self) -> None:
        self._raw.write(self._deflate.flush())
        self._raw.write(struct.pack("<II", self._crc, self._size & 0xFFFFFFFF))
        length = self._raw.tell()
        self._raw.seek(0)
        self._raw.write(_gzip_header(length))
        self._raw.seek(length)


def _sync_folder(folder: Path) -> None:
    """Flush the rename to disk where the platform allows it (a USB stick pulled out early)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- reading ---------------------------------------------------------------------------------


def read_bundle(
    path: Path, *, max_schema_version: int
) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    """Verify the bundle at `path` completely, then return its header and an iterator over its
    operations (a second pass over the file; see the module docstring)."""
    header, _, ops = open_bundle(path, max_schema_version=max_schema_version)
    return header, ops


def open_bundle(
    path: Path, *, max_schema_version: int
) -> tuple[dict[str, Any], dict[str, Carried], Iterator[dict[str, Any]]]:
    """As `read_bundle`, and what the bundle carries per replica: the ranges its header states
    (checked against its operations), or for a header without them (svcdesk 0.1.0) the ranges
    counted, each from that replica's first operation."""
    path = Path(path)
    with _open(path) as raw:
        identity = _identity(raw)
        header, carried, sized = _verify(raw, path, max_schema_version)
    return header, carried, _ops(path, identity, sized=sized)


def _verify(
    raw: IO[bytes], path: Path, max_schema_version: int
) -> tuple[dict[str, Any], dict[str, Carried], bool]:
    """The first pass: (header, what it carries, whether the file records its length), or a
    BundleError."""
    head = raw.read(64)
    if not head:
        raise _not_bundle(path, "the file is empty")
    if not head.startswith(_MAGIC):
        if _MAGIC.startswith(head):
            raise _truncated(path, "it ends inside its gzip header")
        raise _not_bundle(path, "it is not gzip-compressed")
    recorded = _recorded_length(head, path)
    if recorded is not None:
        actual = os.fstat(raw.fileno()).st_size
        if actual < recorded:
            raise _truncated(path, f"{actual:,} of {recorded:,} bytes")
        if actual > recorded:
            raise _altered(
                path, f"it is {actual - recorded:,} bytes longer than exported", "length"
            )
    raw.seek(0)
    lines = _Lines(raw, path, sized=recorded is not None)

    first = lines.next()
    header = _loads(first) if first is not None else None
    fmt = header.get("format") if isinstance(header, dict) else None
    if fmt != FORMAT:
        lines.drain()  # damage to a file svcdesk wrote is "altered", not "not a bundle"
        if isinstance(fmt, str) and fmt.startswith("svcdesk-bundle/"):
            raise BundleError(
                f"{path} was written by a newer svcdesk (bundle format {fmt}; this one reads "
                f"{FORMAT}): upgrade svcdesk to import it"
            )
        raise _not_bundle(path, "its first line is not a svcdesk bundle header")
    assert isinstance(header, dict) and first is not None

    # The rest is checked whole before the header is trusted (a damaged schema_version is
    # "altered", not "newer"); a shape problem is reported only once the checksum vouches for it.
    problem: str | None = None
    why = _header_problem(header)
    if why:
        problem = f"line 1 is not a valid bundle header: {why}"
    digest = hashlib.sha256(first)
    count = 0
    end: Any = None
    ranges = _Ranges()
    stated = "ranges" in header  # an older header carries everything from the beginning
    while (line := lines.next()) is not None:
        if end is not None:
            raise _altered(path, "it has data after its end marker")
        obj = _loads(line)
        if isinstance(obj, dict) and "end" in obj:
            end = obj
            continue
        digest.update(line)
        count += 1
        if problem is None:
            why = _op_problem(obj) if obj is not _INVALID else "it is not valid JSON"
            if why is None:
                why = ranges.add(obj, ordered=stated)
            if why:
                problem = f"line {lines.number} is not a valid operation: {why}"

    if end is None:
        raise _truncated(path, "it has no end marker")
    if (
        end.keys() != _END_KEYS
        or end["end"] is not True
        or not _is_int(end["count"])
        or not isinstance(end["sha256"], str)
    ):
        raise _altered(path, "its end marker is malformed")
    if end["sha256"] != digest.hexdigest():
        raise _altered(path, "its content is not what was exported")
    if end["count"] != count:
        raise _altered(
            path, f"it holds {count} operations, its end marker says {end['count']}", "count"
        )
    version: Any = header.get("schema_version")
    if _is_int(version) and version > max_schema_version:
        raise BundleError(
            f"{path} was written by a newer svcdesk (schema v{version}; this one knows "
            f"v{max_schema_version}): upgrade svcdesk to import it"
        )
    if problem:
        raise BundleError(f"{path} {problem}")
    if header["count"] != count:
        raise _altered(
            path, f"it holds {count} operations, its header says {header['count']}", "count"
        )
    carried = ranges.carried({})
    if stated:
        said = _stated_ranges(header["ranges"])
        if {r: (c.first, c.last, c.count) for r, c in said.items()} != {
            r: (c.first, c.last, c.count) for r, c in carried.items()
        }:
            raise BundleError(
                f"{path} line 1 is not a valid bundle header: the ranges it states are not "
                f"the operations it holds ({_range_difference(said, carried)})"
            )
        carried = said
    return header, carried, recorded is not None


def _ops(path: Path, identity: tuple[int, ...], *, sized: bool) -> Iterator[dict[str, Any]]:
    """The second pass: the operations of a bundle the first pass verified."""
    changed = BundleError(f"{path} changed while it was being imported: import it again")
    with _open(path) as raw:
        if _identity(raw) != identity:
            raise changed
        lines = _Lines(raw, path, sized=sized)
        digest = hashlib.sha256(lines.next() or b"")
        while (line := lines.next()) is not None:
            obj = _loads(line)
            if isinstance(obj, dict) and "end" in obj:
                if obj.get("sha256") != digest.hexdigest():
                    raise changed
                return
            if _op_problem(obj):
                raise changed
            digest.update(line)
            yield obj
    raise changed


class _Lines:
    """The newline-terminated lines of a bundle, gzip and I/O errors turned into BundleErrors."""

    def __init__(self, raw: IO[bytes], path: Path, *, sized: bool) -> None:
        self._gz = gzip.GzipFile(fileobj=raw, mode="rb")
        self._path = path
        self._sized = sized  # the file has the length it was written with
        self.number = 0  # of the last line read, from 1

    def next(self) -> bytes | None:
        try:
            line = self._gz.readline(MAX_LINE + 1)
        except EOFError:
            if self._sized:  # complete, yet the compressed stream ends early: damaged inside
                raise _altered(self._path, "its compressed data is damaged") from None
            raise _truncated(self._path, "its compressed data ends early") from None
        except (gzip.BadGzipFile, zlib.error) as exc:
            raise _altered(self._path, f"its compressed data is damaged ({exc})") from None
        except OSError as exc:
            raise BundleError(f"cannot read {self._path}: {_reason(exc)}") from None
        if not line:
            return None
        self.number += 1
        if not line.endswith(b"\n"):
            if len(line) > MAX_LINE:
                raise _not_bundle(
                    self._path, f"line {self.number} is longer than {MAX_LINE // 2**20} MiB"
                )
            if self._sized:
                raise _altered(self._path, f"line {self.number} is incomplete")
            raise _truncated(self._path, f"it ends inside line {self.number}")
        return line

    def drain(self) -> None:
        """Read a file svcdesk wrote to its end, so damage surfaces as its gzip CRC reports it."""
        if self._sized:
            while self.next() is not None:
                pass


def _recorded_length(head: bytes, path: Path) -> int | None:
    """The file length a svcdesk writer recorded in the gzip header; None for another writer's
    header (a bundle recompressed by hand) or one cut short."""
    flags = head[3] if len(head) > 3 else 0
    if flags & (_FNAME | _FCOMMENT) or not flags & _FHCRC:
        return None
    end = 10
    if flags & _FEXTRA:
        if len(head) < 12:
            return None
        end = 12 + struct.unpack_from("<H", head, 10)[0]
    if len(head) < end + 2:
        return None
    if struct.unpack_from("<H", head, end)[0] != zlib.crc32(head[:end]) & 0xFFFF:
        raise _altered(path, "its gzip header is damaged")
    if end == _HEADER_LEN - 2 and head[12:14] == _LENGTH_FIELD:
        size, length = struct.unpack_from("<HQ", head, 14)
        if size == 8:
            return int(length)
    return None


# -- shared ----------------------------------------------------------------------------------

_INVALID = object()


def _loads(line: bytes) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return _INVALID


def _op_problem(op: Any) -> str | None:
    """What is wrong with the shape of an operation, or None."""
    if not isinstance(op, Mapping):
        return f"it is {_kind(op)}, not an object"
    if op.keys() != _OP_KEY_SET:
        missing = [key for key in OP_KEYS if key not in op]
        if missing:
            return "missing " + ", ".join(missing)
        return "unexpected " + ", ".join(sorted(str(key) for key in op if key not in _OP_KEY_SET))
    for key in _STR_KEYS:
        if not isinstance(op[key], str):
            return f"{key} must be a string, not {_kind(op[key])}"
    if op["parent"] is not None and not isinstance(op["parent"], str):
        return f"parent must be a string or null, not {_kind(op['parent'])}"
    return None


def _header_problem(header: Mapping[str, Any]) -> str | None:
    for key, kind in _HEADER_TYPES.items():
        if key not in header:
            return f"missing {key}"
        value = header[key]
        if kind is int and not _is_int(value):
            return f"{key} must be an integer, not {_kind(value)}"
        if kind is str and not isinstance(value, str):
            return f"{key} must be a string, not {_kind(value)}"
    stated = [key for key in _CARRY_KEYS if key in header]
    if stated and len(stated) != len(_CARRY_KEYS):
        missing = [key for key in _CARRY_KEYS if key not in header]
        return f"it states {', '.join(stated)} without {', '.join(missing)}"
    for key in ("version_vector", "codes"):
        if key in header:
            why = _string_map_problem(header[key])
            if why:
                return f"{key} {why}"
    if "ranges" in header:
        ranges = header["ranges"]
        if not isinstance(ranges, Mapping):
            return f"ranges must be an object, not {_kind(ranges)}"
        for replica, entry in ranges.items():
            why = _range_problem(entry)
            if why:
                return f"the range of replica {str(replica):.40} {why}"
    return None


_CARRY_KEYS = ("version_vector", "codes", "ranges")
_RANGE_KEYS = frozenset({"first", "last", "count", "previous"})


def _string_map_problem(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return f"must be an object, not {_kind(value)}"
    for key, item in value.items():
        if not isinstance(item, str):
            return f"must map to strings, not {_kind(item)} (at {str(key):.40})"
    return None


def _range_problem(entry: Any) -> str | None:
    if not isinstance(entry, Mapping):
        return f"must be an object, not {_kind(entry)}"
    if entry.keys() != _RANGE_KEYS:
        return "must have exactly " + ", ".join(sorted(_RANGE_KEYS))
    for key in ("first", "last"):
        if not isinstance(entry[key], str):
            return f"{key} must be a string, not {_kind(entry[key])}"
    if not _is_int(entry["count"]) or entry["count"] < 1:
        return f"count must be a positive integer, not {entry['count']!r:.20}"
    previous = entry["previous"]
    if previous is not None and not isinstance(previous, str):
        return f"previous must be a string or null, not {_kind(previous)}"
    if previous is not None and previous >= entry["first"]:
        return "previous must come before first"
    return None


def _stated_ranges(ranges: Mapping[str, Any]) -> dict[str, Carried]:
    return {
        replica: Carried(e["first"], e["last"], e["count"], e["previous"])
        for replica, e in ranges.items()
    }


def _range_difference(said: Mapping[str, Carried], held: Mapping[str, Carried]) -> str:
    for replica in sorted(said.keys() | held.keys()):
        a, b = said.get(replica), held.get(replica)
        if a is None:
            return f"it holds operations of replica {replica:.40} but states no range for them"
        if b is None:
            return f"it states a range for replica {replica:.40} but holds none of its operations"
        if (a.first, a.last, a.count) != (b.first, b.last, b.count):
            return (
                f"replica {replica:.40}: it states {a.count} from {a.first:.60} to "
                f"{a.last:.60}, holds {b.count} from {b.first:.60} to {b.last:.60}"
            )
    return "they differ"


class _Ranges:
    """The first and last stamp and the count of each replica's operations, as they pass."""

    def __init__(self) -> None:
        self._seen: dict[str, list[Any]] = {}  # replica -> [first, last, count]

    def add(self, op: Mapping[str, Any], *, ordered: bool = True) -> str | None:
        """Count `op`; what is wrong with its order (each replica's stamps must grow), or None."""
        replica, stamp = op["replica"], op["stamp"]
        seen = self._seen.get(replica)
        if seen is None:
            self._seen[replica] = [stamp, stamp, 1]
            return None
        if stamp <= seen[1]:
            if ordered:
                return f"its stamp {stamp:.60} does not follow {seen[1]:.60} of its replica"
            seen[0] = min(seen[0], stamp)
        else:
            seen[1] = stamp
        seen[2] += 1
        return None

    def carried(self, previous: Mapping[str, str | None]) -> dict[str, Carried]:
        return {
            replica: Carried(first, last, count, previous.get(replica))
            for replica, (first, last, count) in self._seen.items()
        }

    def stated(self, previous: Mapping[str, str | None]) -> dict[str, dict[str, Any]]:
        return {replica: c.as_header() for replica, c in self.carried(previous).items()}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _kind(value: Any) -> str:
    """A value's JSON type, as a message names it."""
    if value is _INVALID:
        return "invalid JSON"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}"


def _open(path: Path) -> IO[bytes]:
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise BundleError(f"no bundle at {path}: the file does not exist") from None
    except IsADirectoryError:
        raise BundleError(f"{path} is a directory, not a bundle file") from None
    except OSError as exc:
        raise BundleError(f"cannot read {path}: {_reason(exc)}") from None


def _identity(raw: IO[bytes]) -> tuple[int, ...]:
    st = os.fstat(raw.fileno())
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _reason(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    return reason[:1].lower() + reason[1:]


def _not_bundle(path: Path, why: str) -> BundleError:
    return BundleError(f"{path} is not a svcdesk bundle: {why}")


def _truncated(path: Path, why: str) -> BundleError:
    return BundleError(f"{path} is truncated ({why}): copy it again from where it was exported")


def _altered(path: Path, why: str, what: str = "checksum") -> BundleError:
    return BundleError(f"{path} was altered after export ({what} mismatch): {why}; export it again")
