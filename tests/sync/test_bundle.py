"""Bundles carry operations to an air-gapped site: what was exported is what is imported, and a
short, damaged, edited, foreign or too new file is refused before anything is applied."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcdesk.errors import StoreError
from svcdesk.sync.bundle import FORMAT, OP_KEYS, BundleError, read_bundle, write_bundle

HEADER = {
    "schema_version": 7,
    "replica_id": "0192f0c4a1b27c3d8e9f0a1b2c3d4e5f",
    "replica_code": "BJ",
    "created_at": "2026-10-14T02:00:00+00:00",
}


def op(i: int, **changes: Any) -> dict[str, Any]:
    row = {
        "stamp": f"{1760400000000 + i:013d}-{i % 100000:05d}-0192f0c4a1b27c3d8e9f0a1b2c3d4e5f",
        "replica": "0192f0c4a1b27c3d8e9f0a1b2c3d4e5f",
        "tbl": "ticket",
        "row_id": f"0192f0c4-{i:023d}",
        "op": "update" if i % 2 else "insert",
        "data": orjson.dumps({"status": "open", "title": f"排队机 {i} prints blank"}).decode(),
        "parent": f"{1760400000000 + i - 1:013d}-00000-x" if i % 2 else None,
    }
    return {**row, **changes}


def ops(n: int) -> Iterator[dict[str, Any]]:
    return (op(i) for i in range(n))


def write(path: Path, items: Any, **header: Any) -> int:
    return write_bundle(path, **{**HEADER, **header}, ops=items)


def read(path: Path, max_schema_version: int = 7) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    header, items = read_bundle(path, max_schema_version=max_schema_version)
    return header, list(items)


def refusal(path: Path, max_schema_version: int = 7) -> str:
    with pytest.raises(BundleError) as err:
        read(path, max_schema_version)
    message = str(err.value)
    assert "\n" not in message and str(path) in message
    return message


def lines_of(path: Path) -> list[bytes]:
    return gzip.decompress(path.read_bytes()).splitlines(keepends=True)


def sealed(lines: list[bytes]) -> list[bytes]:
    """Lines with an end marker whose checksum and count match them (a hand-made bundle)."""
    body = b"".join(lines)
    end = {"end": True, "count": len(lines) - 1, "sha256": hashlib.sha256(body).hexdigest()}
    return [*lines, orjson.dumps(end) + b"\n"]


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    path = tmp_path / "bj.svcbundle"
    assert write(path, ops(300)) == 300
    return path


# -- what goes in comes out ------------------------------------------------------------------

awkward = st.characters(codec="utf-8") | st.sampled_from('\n\r\t\x00\u2028\u2029"\\{}[]')
texts = st.text(awkward, max_size=40)
data_texts = texts | st.dictionaries(texts, texts | st.integers() | st.none(), max_size=4).map(
    lambda d: json.dumps(d, ensure_ascii=False, indent=1)  # newlines inside the data string
)
operations = st.fixed_dictionaries(
    {
        "stamp": texts,
        "replica": texts,
        "tbl": texts,
        "row_id": texts,
        "op": texts,
        "data": data_texts,
        "parent": st.none() | texts,
    }
)


@settings(max_examples=150, deadline=None)
@given(
    items=st.lists(operations, max_size=30),
    schema_version=st.integers(min_value=1, max_value=10**6),
    replica_code=texts,
    created_at=texts,
)
def test_a_bundle_gives_back_exactly_the_operations_written(
    tmp_path_factory: pytest.TempPathFactory,
    items: list[dict[str, Any]],
    schema_version: int,
    replica_code: str,
    created_at: str,
) -> None:
    path = tmp_path_factory.mktemp("roundtrip") / "out.svcbundle"
    header: dict[str, Any] = {
        "schema_version": schema_version,
        "replica_id": "r1",
        "replica_code": replica_code,
        "created_at": created_at,
    }
    assert write_bundle(path, **header, ops=iter(items)) == len(items)
    got_header, got = read(path, max_schema_version=schema_version)
    assert got_header == {"format": FORMAT, **header, "count": len(items)}
    assert got == items
    assert all(list(o) == list(OP_KEYS) for o in got)


def test_an_empty_bundle_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "empty.svcbundle"
    assert write(path, []) == 0
    header, items = read(path)
    assert header["count"] == 0 and items == []


def test_the_file_is_the_documented_format(bundle: Path) -> None:
    """Plain gzip (zcat reads it): header, one line an op, an end marker sealing the lines."""
    lines = lines_of(bundle)
    header = orjson.loads(lines[0])
    assert header == {"format": FORMAT, **HEADER, "count": 300}
    assert [orjson.loads(line) for line in lines[1:-1]] == list(ops(300))
    end = orjson.loads(lines[-1])
    assert end == {
        "end": True,
        "count": 300,
        "sha256": hashlib.sha256(b"".join(lines[:-1])).hexdigest(),
    }


def test_the_same_operations_make_the_same_bytes(tmp_path: Path) -> None:
    write(tmp_path / "a", ops(50))
    write(tmp_path / "b", ops(50))
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()


def test_a_bundle_recompressed_by_hand_but_unchanged_still_imports(bundle: Path) -> None:
    bundle.write_bytes(gzip.compress(gzip.decompress(bundle.read_bytes())))
    assert read(bundle)[1] == list(ops(300))


def test_rows_from_the_database_are_mappings_not_only_dicts(tmp_path: Path) -> None:
    path = tmp_path / "rows.svcbundle"
    write(path, (MappingProxyType(op(i)) for i in range(3)))
    assert read(path)[1] == list(ops(3))


def test_an_older_schema_is_read(bundle: Path) -> None:
    assert read(bundle, max_schema_version=12)[0]["schema_version"] == 7


# -- writing never leaves half a bundle ------------------------------------------------------


def test_a_successful_write_leaves_only_the_bundle(tmp_path: Path) -> None:
    (tmp_path / "bj.svcbundle.partial").write_bytes(b"left by a crash")
    write(tmp_path / "bj.svcbundle", ops(10))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bj.svcbundle"]


def test_a_failing_export_leaves_the_old_bundle_untouched(tmp_path: Path) -> None:
    path = tmp_path / "bj.svcbundle"
    write(path, ops(5))
    before = path.read_bytes()

    def broken() -> Iterator[dict[str, Any]]:
        yield op(1)
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        write(path, broken())
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bj.svcbundle"]


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ({"parent": 5}, "operation 3: parent must be a string or null, not a number"),
        ({"data": {"a": 1}}, "operation 3: data must be a string, not an object"),
        ({"extra": "x"}, "operation 3: unexpected extra"),
        ({"tbl": "ticket\ud800"}, "operation 3: "),  # a lone surrogate is not UTF-8
    ],
)
def test_an_operation_of_the_wrong_shape_is_not_exported(
    tmp_path: Path, bad: dict[str, Any], expected: str
) -> None:
    items = [op(0), op(1), op(2, **bad)]
    with pytest.raises(BundleError, match=expected.replace("(", r"\(")):
        write(tmp_path / "x.svcbundle", items)
    assert list(tmp_path.iterdir()) == []


def test_an_operation_missing_a_key_is_not_exported(tmp_path: Path) -> None:
    bad = op(0)
    del bad["parent"]
    with pytest.raises(BundleError, match="cannot export operation 1: missing parent"):
        write(tmp_path / "x.svcbundle", [bad])


def test_writing_where_it_cannot_says_so(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="does not exist"):
        write(tmp_path / "no" / "such" / "x.svcbundle", ops(1))
    with pytest.raises(BundleError, match="is a directory"):
        write(tmp_path, ops(1))
    assert issubclass(BundleError, StoreError)


# -- refusing before anything is applied -----------------------------------------------------


@pytest.mark.parametrize("keep", [1, 5, 10, 12, 20, 26, 40, 0.25, 0.5, 0.9, -9, -8, -4, -1])
def test_a_short_copy_is_truncated(bundle: Path, keep: float) -> None:
    data = bundle.read_bytes()
    cut = int(len(data) * keep) if isinstance(keep, float) else keep % len(data)
    bundle.write_bytes(data[:cut])
    message = refusal(bundle)
    assert "is truncated" in message and "copy it again" in message


@pytest.mark.parametrize("drop", [1, 2, 150])
def test_a_bundle_losing_its_last_lines_is_truncated(bundle: Path, drop: int) -> None:
    bundle.write_bytes(gzip.compress(b"".join(lines_of(bundle)[:-drop])))
    assert "is truncated (it has no end marker)" in refusal(bundle)


def test_a_bundle_ending_inside_a_line_is_truncated(bundle: Path) -> None:
    bundle.write_bytes(gzip.compress(gzip.decompress(bundle.read_bytes())[:-30]))
    assert "is truncated (it ends inside line 302)" in refusal(bundle)


def test_a_flipped_bit_anywhere_after_the_gzip_magic_is_an_alteration(bundle: Path) -> None:
    data = bundle.read_bytes()
    positions = [*range(2, 40), *range(40, len(data) - 8, 97), *range(len(data) - 8, len(data))]
    refused = 0
    for position in positions:
        damaged = bytearray(data)
        damaged[position] ^= 0x01
        bundle.write_bytes(damaged)
        try:
            items = read(bundle)[1]
        except BundleError as exc:
            assert "was altered after export" in str(exc), (position, str(exc))
            refused += 1
        else:  # a bit the decompressor ignores (padding): the content is intact
            assert items == list(ops(300)), position
    assert refused >= len(positions) - 2


def edit(path: Path, change: Any) -> None:
    lines = lines_of(path)
    change(lines)
    path.write_bytes(gzip.compress(b"".join(lines)))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda ls: ls.__setitem__(5, ls[5].replace(b"open", b"shut")), id="edit"),
        pytest.param(lambda ls: ls.pop(5), id="delete"),
        pytest.param(lambda ls: ls.insert(5, ls[4]), id="duplicate"),
        pytest.param(lambda ls: ls.__setitem__(0, ls[0].replace(b'"BJ"', b'"SH"')), id="header"),
        pytest.param(
            lambda ls: ls.__setitem__(
                0, ls[0].replace(b'"schema_version":7', b'"schema_version":9')
            ),
            id="schema",
        ),
        pytest.param(lambda ls: ls.__setitem__(7, b"not json\n"), id="garbage"),
        pytest.param(lambda ls: ls.append(ls[3]), id="after-end"),
        pytest.param(lambda ls: ls.__setitem__(-1, b'{"end": true}\n'), id="end-marker"),
    ],
)
def test_an_edited_bundle_is_an_alteration(bundle: Path, change: Any) -> None:
    edit(bundle, change)
    message = refusal(bundle)
    assert (
        "was altered after export (checksum mismatch)" in message and "export it again" in message
    )


def test_a_resealed_bundle_with_a_wrong_count_is_an_alteration(bundle: Path) -> None:
    def recount(lines: list[bytes]) -> None:
        lines[0] = lines[0].replace(b'"count":300', b'"count":299')
        lines[:] = sealed(lines[:-1])

    edit(bundle, recount)
    assert "was altered after export (count mismatch)" in refusal(bundle)


def test_appended_bytes_are_an_alteration(bundle: Path) -> None:
    bundle.write_bytes(bundle.read_bytes() + bundle.read_bytes())
    assert "was altered after export (length mismatch)" in refusal(bundle)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b'{"stamp": "s"}', "line 3 is not a valid operation: missing replica, tbl, row_id"),
        (orjson.dumps({**op(1), "data": 5}), "line 3 is not a valid operation: data must be a"),
        (orjson.dumps({**op(1), "x": 1}), "line 3 is not a valid operation: unexpected x"),
        (b"[1, 2]", "line 3 is not a valid operation: it is an array, not an object"),
        (b"{oops", "line 3 is not a valid operation: it is not valid JSON"),
    ],
)
def test_an_operation_line_of_the_wrong_shape_is_named_by_its_line(
    tmp_path: Path, line: bytes, expected: str
) -> None:
    """A bundle whose checksum vouches for a bad line (not written by svcdesk)."""
    header = orjson.dumps({"format": FORMAT, **HEADER, "count": 3}) + b"\n"
    body = [header, orjson.dumps(op(0)) + b"\n", line + b"\n", orjson.dumps(op(2)) + b"\n"]
    path = tmp_path / "odd.svcbundle"
    path.write_bytes(gzip.compress(b"".join(sealed(body))))
    assert expected in refusal(path)


def test_a_bad_header_field_is_named(tmp_path: Path) -> None:
    header = {"format": FORMAT, **HEADER, "replica_id": None, "count": 0}
    path = tmp_path / "odd.svcbundle"
    path.write_bytes(gzip.compress(b"".join(sealed([orjson.dumps(header) + b"\n"]))))
    message = refusal(path)
    assert "line 1 is not a valid bundle header: replica_id must be a string, not null" in message


def test_a_bundle_from_a_newer_svcdesk_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.svcbundle"
    write(path, ops(3), schema_version=9)
    assert refusal(path, max_schema_version=7) == (
        f"{path} was written by a newer svcdesk (schema v9; this one knows v7): "
        "upgrade svcdesk to import it"
    )


def test_a_newer_bundle_format_is_refused(tmp_path: Path) -> None:
    header = {"format": "svcdesk-bundle/2", **HEADER}
    path = tmp_path / "new.svcbundle"
    path.write_bytes(gzip.compress(orjson.dumps(header) + b"\n"))
    assert "newer svcdesk (bundle format svcdesk-bundle/2" in refusal(path)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"stamp,replica,tbl\n1,2,3\n", id="text"),
        pytest.param(random.Random(4).randbytes(4096), id="random"),
        pytest.param(b"SQLite format 3\x00" + bytes(100), id="sqlite"),
        pytest.param(gzip.compress(b"just some text\nin a gzip file\n"), id="gzip-of-text"),
        pytest.param(gzip.compress(b""), id="empty-gzip"),
        pytest.param(gzip.compress(b'{"format": "something-else"}\n'), id="other-json"),
        pytest.param(b"", id="empty"),
    ],
)
def test_a_file_that_is_not_a_bundle_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "stray.svcbundle"
    path.write_bytes(content)
    assert "is not a svcdesk bundle" in refusal(path)


def test_a_missing_file_or_a_directory_is_refused(tmp_path: Path) -> None:
    assert "does not exist" in refusal(tmp_path / "nope.svcbundle")
    assert "is a directory" in refusal(tmp_path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_an_unreadable_file_is_refused(bundle: Path) -> None:
    bundle.chmod(0)
    assert "cannot read" in refusal(bundle)


def test_a_bundle_replaced_between_the_two_passes_is_refused(bundle: Path) -> None:
    _, items = read_bundle(bundle, max_schema_version=7)
    write(bundle, ops(400))
    with pytest.raises(BundleError, match="changed while it was being imported"):
        list(items)


def test_nothing_is_yielded_before_the_whole_file_is_verified(bundle: Path) -> None:
    edit(bundle, lambda ls: ls.__setitem__(-2, ls[-2].replace(b"open", b"shut")))
    with pytest.raises(BundleError, match="altered"):
        read_bundle(bundle, max_schema_version=7)  # raises here, not while iterating


# -- size ------------------------------------------------------------------------------------


SIZE_SCRIPT = """
import json, resource, sys, time
from pathlib import Path
from svcdesk.sync.bundle import read_bundle, write_bundle
sys.path.insert(0, sys.argv[2])
from test_bundle import HEADER, ops

path = Path(sys.argv[1])
started = time.perf_counter()
write_bundle(path, **HEADER, ops=ops(200_000))
written = time.perf_counter()
header, items = read_bundle(path, max_schema_version=7)
count = sum(1 for _ in items)
done = time.perf_counter()
try:  # this process's own high-water mark: ru_maxrss also counts the forked parent (Linux)
    status = Path("/proc/self/status").read_text()
    peak = int(next(l for l in status.splitlines() if l.startswith("VmHWM")).split()[1]) * 1024
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak *= 1 if sys.platform == "darwin" else 1024  # bytes there, KiB elsewhere
print(json.dumps({"count": count, "header": header["count"], "peak": peak,
                  "write": written - started, "read": done - written}))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="peak memory via the resource module")
def test_200_000_operations_stream_in_constant_memory(tmp_path: Path) -> None:
    """Export and import in a fresh process: its peak memory, interpreter included, stays small
    (a list of 200,000 operations alone would take about as much as the limit)."""
    path = tmp_path / "big.svcbundle"
    here = str(Path(__file__).parent)
    out = subprocess.run(
        [sys.executable, "-c", SIZE_SCRIPT, str(path), here],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    ).stdout
    result = json.loads(out)
    assert result["count"] == result["header"] == 200_000
    assert result["peak"] < 150 * 2**20, result
    assert result["write"] < 10 and result["read"] < 10, result  # about 1 s each
