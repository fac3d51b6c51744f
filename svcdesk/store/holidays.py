"""The local cache of public days from the `holidays` package (`holiday_cache`)."""

from __future__ import annotations

from svcdesk.store.sql import Conn


def cached(conn: Conn, *, country: str, subdiv: str, year: int, package: str
           ) -> tuple[str, str] | None:  # fmt: skip
    """(days off, working days) as stored JSON lists, or None when not cached."""
    row = conn.execute(
        "SELECT days_off, workdays FROM holiday_cache "
        "WHERE country = :c AND subdiv = :s AND year = :y AND package = :p",
        {"c": country, "s": subdiv, "y": year, "p": package},
    ).first()
    return (str(row[0]), str(row[1])) if row else None


def store(conn: Conn, *, country: str, subdiv: str, year: int, package: str,
          days_off: str, workdays: str) -> None:  # fmt: skip
    conn.execute(
        "INSERT INTO holiday_cache (country, subdiv, year, package, days_off, workdays) "
        "VALUES (:c, :s, :y, :p, :off, :work)",
        {"c": country, "s": subdiv, "y": year, "p": package, "off": days_off, "work": workdays},
    )
