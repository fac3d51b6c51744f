"""Bundle files carry change-log operations to a site with no network (DESIGN.md, Sync).

Export on one side, carry the file (a USB stick), import on the other. A bundle is one gzip
member of UTF-8 text, one JSON object a line:

    {"format": "svcdesk-bundle/1", "schema_version": 7, "replica_id": "…",
     "replica_code": "…", "created_at": "…", "count": 2}                  the header
    {"stamp": "…", "replica": "…", "tbl": "…", "row_id": "…",
     "op": "…", "data": "{…}", "parent": null}                            one line an operation
    {"end": true, "count": 2, "sha256": "…"}                               the end marker

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


# -- writing ---------------------------------------------------------------------------------


def write_bundle(
    path: Path,
    *,
    schema_version: int,
    replica_id: str,
    replica_code: str,
    created_at: str,
    ops: Iterable[Mapping[str, Any]],
) -> int:
    """Write `ops` to a bundle at `path` (replacing it only once complete); the number of ops."""
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
            count = _spool_ops(ops, writer)
            writer.finish()
            spool.seek(0)
            header["count"] = count
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


def _spool_ops(ops: Iterable[Mapping[str, Any]], writer: _GzipWriter) -> int:
    """Check and write each op as a line; the number written."""
    count = 0
    batch = bytearray()
    for count, op in enumerate(ops, 1):
        batch += _op_line(op, count)
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
    path = Path(path)
    with _open(path) as raw:
        identity = _identity(raw)
        header, sized = _verify(raw, path, max_schema_version)
    return header, _ops(path, identity, sized=sized)


def _verify(raw: IO[bytes], path: Path, max_schema_version: int) -> tuple[dict[str, Any], bool]:
    """The first pass: (header, whether the file records its length), or a BundleError."""
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
    return header, recorded is not None


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
    return None


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
