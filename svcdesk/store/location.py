"""Where the database a command names is: light enough for shell completion to use."""

from __future__ import annotations

import os
from pathlib import Path


def default_db() -> str:
    from platformdirs import user_data_dir

    return str(Path(user_data_dir("svcdesk", appauthor=False)) / "svcdesk.db")


def resolve_url(url: str | None) -> str:
    """The database a command means: `url`, else SVCDESK_DB, else the user data directory."""
    return url or os.environ.get("SVCDESK_DB") or default_db()


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///")).expanduser()


def sqlite_uri(path: Path, mode: str) -> str:
    """The SQLite URI of the file at `path` exactly as written: every character SQLite would
    read as part of the URI (`#`, `?`, `%`, `&`...) quoted."""
    return f"{Path(os.path.abspath(path)).as_uri()}?mode={mode}"
