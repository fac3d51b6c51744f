"""The SQL layer's parameter translation for PostgreSQL."""

from __future__ import annotations

import pytest

from svcdesk.store.sql import pyformat


@pytest.mark.parametrize(
    ("sqlite", "postgres"),
    [
        (
            "SELECT * FROM t WHERE a = :a AND b < :b_2",
            "SELECT * FROM t WHERE a = %(a)s AND b < %(b_2)s",
        ),
        ("SELECT x::text FROM t WHERE id = :id", "SELECT x::text FROM t WHERE id = %(id)s"),
        ("SELECT '08:30' FROM t", "SELECT '08:30' FROM t"),
        ("SELECT 100 % 7, :p", "SELECT 100 %% 7, %(p)s"),
    ],
)
def test_named_parameters_become_pyformat(sqlite, postgres):
    assert pyformat(sqlite) == postgres
