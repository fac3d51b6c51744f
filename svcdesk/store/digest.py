"""The FAQ digest: the rows of `kb_digest` (each push to the operators, append-only, synced by
union like trainings) and the questions the digest asks of `article`: the FAQ articles added
or updated in a window, how many there are, and when the first one was written.

A window is `since` to `until`, both included (Unix seconds); `updated_at` is an article's last
change (its `created_at` when never edited), so an article is new in a window when its
`created_at` is in it too. Every statement here is the same text on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from svcdesk.store.db import Tx
from svcdesk.store.registry import select_list
from svcdesk.store.schema import ArticleRow, KbDigestRow
from svcdesk.store.sql import Conn

TABLE = "kb_digest"
FAQ = "faq"
_DIGEST = select_list(KbDigestRow.COLUMNS)
_ARTICLE = select_list(ArticleRow.COLUMNS)


def insert(tx: Tx, row: KbDigestRow) -> None:
    """Record a digest pushed (append-only: replicas merge the pushes by union)."""
    tx.insert(TABLE, {c: getattr(row, c) for c in KbDigestRow.COLUMNS}, append_only=True)


def last_push(conn: Conn) -> KbDigestRow | None:
    """The digest pushed last (the newest `at`; ties: the newest id), or None."""
    row = conn.execute(f"SELECT {_DIGEST} FROM kb_digest ORDER BY at DESC, id DESC LIMIT 1").first()
    return KbDigestRow(*row) if row else None


def pushes(conn: Conn) -> list[KbDigestRow]:
    """Every digest pushed, oldest first."""
    rows = conn.execute(f"SELECT {_DIGEST} FROM kb_digest ORDER BY at, id").all()
    return [KbDigestRow(*r) for r in rows]


def _window(since: int, until: int | None) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {"k": FAQ, "s": since}
    where = "kind = :k AND updated_at >= :s"
    if until is not None:
        where += " AND updated_at <= :u"
        params["u"] = until
    return where, params


def faq_changed(conn: Conn, *, since: int, until: int) -> list[ArticleRow]:
    """The FAQ articles added or updated from `since` to `until`, the most recently changed
    first (ties: newest id first)."""
    where, params = _window(since, until)
    sql = f"SELECT {_ARTICLE} FROM article WHERE {where} ORDER BY updated_at DESC, id DESC"
    return [ArticleRow(*r) for r in conn.execute(sql, params).all()]


def faq_changed_count(conn: Conn, *, since: int, until: int | None = None) -> int:
    """How many FAQ articles were added or updated from `since` (to `until`; None: ever)."""
    where, params = _window(since, until)
    return int(conn.execute(f"SELECT count(*) FROM article WHERE {where}", params).scalar() or 0)


def first_faq_at(conn: Conn) -> int | None:
    """When the first FAQ article was written (its `created_at`), or None: there is none."""
    value = conn.execute("SELECT min(created_at) FROM article WHERE kind = :k",
                         {"k": FAQ}).scalar()  # fmt: skip
    return int(value) if value is not None else None
