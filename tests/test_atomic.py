"""Files appear whole or not at all (svcdesk/store/atomic.py): whatever fails on the way, the
target is as it was and nothing is left beside it."""

from __future__ import annotations

import errno
import os
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcdesk.errors import StoreError
from svcdesk.store import atomic

FAILURES = ("none", "oserror", "enospc", "interrupt", "bug", "fsync", "rename")


class Bug(Exception):
    pass


def attempt(target: Path, data: bytes, *, force: bool, fail: str, monkeypatch) -> None:
    """Write `data` to `target` through atomic_write, failing as `fail` says."""
    with monkeypatch.context() as m:
        if fail == "fsync":
            m.setattr(os, "fsync", _raise_enospc)
        if fail == "rename":
            m.setattr(os, "replace", _raise_enospc)
            m.setattr(os, "link", _raise_enospc)
        with atomic.atomic_write(target, force=force) as tmp:
            assert tmp.parent == target.parent and tmp.exists()
            with open(tmp, "wb") as fh:
                fh.write(data[: len(data) // 2])  # half of it, then the failure
                if fail == "oserror":
                    raise OSError(errno.EIO, "Input/output error")
                if fail == "enospc":
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                if fail == "interrupt":
                    raise KeyboardInterrupt
                if fail == "bug":
                    raise Bug
                fh.write(data[len(data) // 2 :])


def _raise_enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    old=st.one_of(st.none(), st.binary(max_size=64)),
    new=st.binary(max_size=2048),
    force=st.booleans(),
    fail=st.sampled_from(FAILURES),
    depth=st.integers(0, 2),
)
def test_the_target_is_whole_or_as_it_was(tmp_path_factory, monkeypatch, old, new, force, fail,
                                          depth):  # fmt: skip
    root = tmp_path_factory.mktemp("w")
    target = root.joinpath(*["sub"] * depth, "file.db")
    if old is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(old)
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    refused = old is not None and not force
    try:
        attempt(target, new, force=force, fail=fail, monkeypatch=monkeypatch)
    except StoreError as exc:
        assert refused or fail in ("oserror", "enospc", "fsync", "rename"), exc
        assert "\n" not in exc.message and str(target) in exc.message
        if fail in ("enospc", "fsync", "rename") and not refused:
            assert "no space left" in exc.message
        ok = False
    except (KeyboardInterrupt, Bug):
        assert fail in ("interrupt", "bug") and not refused
        ok = False
    else:
        assert fail == "none" and not refused
        ok = True
    after = sorted(p.relative_to(root) for p in root.rglob("*"))
    if ok:
        assert target.read_bytes() == new
        made = {p.relative_to(root) for p in [target, *target.parents] if root in p.parents}
        assert set(after) - set(before) == made - set(before)
    else:
        assert after == before  # nothing beside it, not even the folders made for it
        if old is not None:
            assert target.read_bytes() == old


def test_a_folder_a_fifo_or_a_device_is_never_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path, kind in ((tmp_path, "a folder"), (fifo, "FIFO"), (Path("/dev/null"), "device")):
        for force in (False, True):
            with pytest.raises(StoreError, match=kind), atomic.atomic_write(path, force=force):
                pytest.fail("the block must not run")
    assert fifo.exists() and not fifo.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_a_symbolic_link_is_written_through(tmp_path):
    real = tmp_path / "real.db"
    real.write_bytes(b"old")
    link = tmp_path / "link.db"
    link.symlink_to(real)
    with atomic.atomic_write(link, force=True) as tmp:
        tmp.write_bytes(b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "f"
    target.write_bytes(b"old")
    target.chmod(0o600)
    with atomic.atomic_write(target, force=True) as tmp:
        tmp.write_bytes(b"new")
    assert target.stat().st_mode & 0o777 == 0o600


def test_a_file_that_appears_meanwhile_is_not_replaced_without_force(tmp_path):
    target = tmp_path / "f"
    with (
        pytest.raises(atomic.TargetExists, match="pass --force"),
        atomic.atomic_write(target) as tmp,
    ):
        tmp.write_bytes(b"mine")
        target.write_bytes(b"theirs")  # another process, between the check and the rename
    assert target.read_bytes() == b"theirs"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_a_file_in_the_way_of_a_folder(tmp_path):
    (tmp_path / "plain").write_text("x")
    with (
        pytest.raises(StoreError, match="not a folder"),
        atomic.atomic_write(tmp_path / "plain" / "f"),
    ):
        pytest.fail("the block must not run")


def test_sqlite_sidecars_are_removed_with_the_temporary_file(tmp_path):
    target = tmp_path / "f.db"
    with pytest.raises(KeyboardInterrupt), atomic.atomic_write(target) as tmp:
        for suffix in atomic.SIDECARS:
            Path(f"{tmp}{suffix}").write_bytes(b"x")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_a_database_left_open_is_not_renamed_without_its_log(tmp_path):
    target = tmp_path / "f.db"
    with pytest.raises(StoreError, match="not closed cleanly"), atomic.atomic_write(target) as tmp:
        Path(f"{tmp}-wal").write_bytes(b"x")
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_during_the_renames_waits_for_them(tmp_path, monkeypatch):
    target = tmp_path / "f"
    real_link = os.link

    def link_then_interrupt(src, dst, *args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C right between link and unlink
        return real_link(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "link", link_then_interrupt)
    with pytest.raises(KeyboardInterrupt), atomic.atomic_write(target) as tmp:
        tmp.write_bytes(b"whole")
    assert target.read_bytes() == b"whole"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]
