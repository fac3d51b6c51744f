"""Files that appear whole or not at all: written beside their place, then renamed into it.

A backup, a restore, a new database or a bundle is first written to a hidden temporary file
in the folder of its target (so the rename stays on one file system), flushed to disk, and
only then renamed over the target. Whatever goes wrong on the way (a full disk, a refused
write, Ctrl-C) removes the temporary file and what SQLite made beside it (`-journal`, `-wal`,
`-shm`), and the folders it had to create: the target is as it was, or not there at all.

    with atomic_write(path, force=force) as tmp:
        write_everything_to(tmp)

What is refused, before anything is written (`check_target`): a folder, and anything that is
not a regular file (a FIFO, a device, a socket), even with `force`, as `cp` would clobber them
and a user never means that; an existing file unless `force` (as `cp -i`/`git` users expect).
A symbolic link is written through, as `cp` does: the link stays and names the new file.
"""

from __future__ import annotations

import errno
import os
import secrets
import signal
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from svcdesk.errors import StoreError

# What SQLite may make beside a database file while it writes one.
SIDECARS = ("-journal", "-wal", "-shm")


class TargetExists(StoreError):
    """The target exists and may not be replaced (no `force`), found before or at the rename."""


def check_target(path: Path | str, *, force: bool) -> Path:
    """The file to write for `path` (a symbolic link followed), or one line saying why not."""
    given = Path(path)
    try:
        target = Path(os.path.realpath(given)) if given.is_symlink() else given
        try:
            st = os.stat(target)
        except FileNotFoundError:
            _check_parents(target)
            return target
    except NotADirectoryError:
        raise StoreError(f"cannot write {given}: a part of it is a file, not a folder") from None
    except OSError as exc:
        raise StoreError(write_problem(exc, given, existed=False, verb="use")) from None
    if stat.S_ISDIR(st.st_mode):
        raise StoreError(f"cannot write {given}: it is a folder; name a file")
    if not stat.S_ISREG(st.st_mode):
        raise StoreError(
            f"cannot write {given}: it is {_kind(st.st_mode)}, not a regular file (not even "
            "with --force); name a file"
        )
    if not force:
        raise TargetExists(f"{given} exists; pass --force to replace it")
    return target


def _check_parents(target: Path) -> None:
    """A missing folder is made later; a file in the way of one is refused now."""
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise StoreError(f"cannot write {target}: {parent} is a file, not a folder")
            return


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def temporary_name(target: Path) -> Path:
    """A fresh hidden name beside `target` (nothing is created)."""
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")


def remove(path: Path) -> None:
    """`path` and whatever SQLite left beside it; quietly, whatever exists."""
    for suffix in ("", *SIDECARS):
        with suppress(OSError):
            os.unlink(f"{path}{suffix}")


@contextmanager
def atomic_write(path: Path | str, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary file (created empty, beside `path`) to write; once the block ends
    without error, flush it to disk and rename it to `path`. Any failure, KeyboardInterrupt
    included, removes it (with its SQLite sidecars and the folders made for it) and leaves
    `path` as it was. An OSError becomes one StoreError line naming `path`; a target that
    appeared meanwhile without `force` raises TargetExists."""
    given = Path(path)
    target = check_target(given, force=force)
    existed = target.exists()
    made = make_parents(target)
    tmp = temporary_name(target)
    try:
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
            try:
                if existed:  # a replaced file keeps its permissions, as with `cp`
                    with suppress(OSError):
                        os.fchmod(fd, stat.S_IMODE(os.stat(target).st_mode))
            finally:
                os.close(fd)
            yield tmp
            if any(os.path.exists(f"{tmp}{suffix}") for suffix in SIDECARS):
                # a database still open, or a journal left: the file alone is not the whole
                raise StoreError(f"cannot write {given}: the copy was not closed cleanly")
            _fsync(tmp)
            with uninterrupted():
                _commit(tmp, target, given, force=force)
            _fsync_dir(target.parent)
        except OSError as exc:
            raise StoreError(write_problem(exc, given, existed=existed)) from exc
    except BaseException:
        remove(tmp)
        remove_folders(made)
        raise


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Hold Ctrl-C back while a few renames put files in place: it is raised once they are
    done, so an interrupt never falls between two renames that belong together."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[object] = []
    previous = signal.signal(signal.SIGINT, lambda *args: caught.append(args))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
    if caught:
        raise KeyboardInterrupt


def make_parents(target: Path) -> list[Path]:
    """Make the missing folders of `target`; those made, deepest first (see remove_folders)."""
    missing = []
    for parent in target.parents:
        if parent.exists():
            break
        missing.append(parent)
    made = []
    try:
        for folder in reversed(missing):
            folder.mkdir()
            made.append(folder)
    except OSError as exc:
        remove_folders(list(reversed(made)))
        raise StoreError(write_problem(exc, target, existed=False)) from exc
    return list(reversed(made))


def remove_folders(made: list[Path]) -> None:
    """Remove the folders `make_parents` made, those still empty."""
    for folder in made:
        with suppress(OSError):
            folder.rmdir()


def _commit(tmp: Path, target: Path, given: Path, *, force: bool) -> None:
    if force:
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)  # never replaces: a file that appeared meanwhile stays
    except FileExistsError:
        raise TargetExists(f"{given} exists; pass --force to replace it") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV,
                             errno.EMLINK, errno.ENOSYS):  # fmt: skip
            raise
        # a file system without hard links (FAT on a USB stick): check, then rename
        if os.path.lexists(target):
            raise TargetExists(f"{given} exists; pass --force to replace it") from None
        os.replace(tmp, target)
        return
    os.unlink(tmp)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    with suppress(OSError):  # not every system opens folders
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_problem(exc: OSError, given: Path, *, existed: bool, verb: str = "write") -> str:
    """One line saying why `given` could not be written, and that it is as it was."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        reason = "no space left on the device"
    elif isinstance(exc, PermissionError):
        reason = "permission denied"
    else:
        text = exc.strerror or type(exc).__name__
        reason = text[:1].lower() + text[1:]
    left = f"{given} was left as it was" if existed else "nothing was written"
    return f"cannot {verb} {given}: {reason}; {left}"
