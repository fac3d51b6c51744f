"""The local cache of public days from the `holidays` package (`holiday_cache`).

A row per (country, subdivision, year, package version) holds the year's days off and in-lieu
working days as JSON lists of ISO dates. Whether the package's days of a year are official
(`svcdesk.domain.calendar.package_knows_year`) is kept in the same table under the package
version with `KNOWN` appended, its `workdays` "true" or "false".
"""

from __future__ import annotations

from svcdesk.store.sql import Conn

KNOWN = "+known"


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


def known(conn: Conn, *, country: str, subdiv: str, year: int, package: str) -> bool | None:
    """Whether the package's days of `year` are official, None when not cached."""
    row = cached(conn, country=country, subdiv=subdiv, year=year, package=package + KNOWN)
    return None if row is None else row[1] == "true"


def store_known(conn: Conn, *, country: str, subdiv: str, year: int, package: str,
                known: bool) -> None:  # fmt: skip
    store(conn, country=country, subdiv=subdiv, year=year, package=package + KNOWN,
          days_off="[]", workdays="true" if known else "false")  # fmt: skip


def other_versions(conn: Conn, *, package: str) -> list[str]:
    """The package versions other than `package` that rows were cached from."""
    rows = conn.execute(
        "SELECT DISTINCT package FROM holiday_cache WHERE package <> :p AND package <> :k",
        {"p": package, "k": package + KNOWN},
    ).all()
    return sorted({str(r[0]).removesuffix(KNOWN) for r in rows})


def forget_versions(conn: Conn, *, keep: str) -> None:
    """Drop the rows cached from any package version but `keep`."""
    conn.execute(
        "DELETE FROM holiday_cache WHERE package <> :p AND package <> :k",
        {"p": keep, "k": keep + KNOWN},
    )
