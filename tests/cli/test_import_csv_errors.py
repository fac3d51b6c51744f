"""`asset import` refuses a file that is not well-formed CSV in one line naming the line, lists
at most the first bad rows and counts the rest, and writes nothing when anything is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcdesk.errors import InvalidValue
from svcdesk.services import asset_import


def one_line_error(r, code: int = 2) -> None:
    assert r.exit_code == code, (r.stdout, r.stderr)
    assert r.stderr.startswith("svcdesk: error: ") and r.stderr.count("\n") == 1, r.stderr
    assert "internal error" not in r.stderr and "Traceback" not in r.stderr


def assets(cli) -> int:
    return cli("db", "info", "-f", "json").json()["asset"]


@pytest.fixture
def csv_file(tmp_path):
    def write(data: str | bytes, name: str = "hall.csv") -> str:
        path = tmp_path / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return str(path)

    return write


MALFORMED = {
    "a quote never closed": ('site,kind,serial\nBJ-HD,server,"SN1\nBJ-HD,server,SN2\n', 2,
                             "never closed"),
    "a quote never closed, last line": ('site,kind,serial\nBJ-HD,server,SN1\nBJ-HD,server,"SN2',
                                        3, "never closed"),
    "in the header": ('site,kind,"serial\nBJ-HD,server,SN2\n', 1, "never closed"),
    "text after a quote": ('site,kind,serial\nBJ-HD,server,SN0\nBJ-HD,server,"SN1"x\n', 3,
                           "after the closing quote"),
    "a NUL": ("site,kind,serial\nBJ-HD,server,SN0\nBJ-HD,server,S\x001\n", 3, "NUL"),
}  # fmt: skip


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_csv_is_refused_naming_the_line(cli, site, csv_file, case):
    text, line, words = MALFORMED[case]
    path = csv_file(text)
    for dry in ([], ["--dry-run"]):
        r = cli("asset", "import", path, *dry)
        one_line_error(r)
        assert f"{path}:{line}: " in r.stderr and words in r.stderr, r.stderr
        assert "nothing was imported" in r.stderr
    assert assets(cli) == 0


def test_quotes_that_are_well_formed_still_import(cli, site, csv_file):
    path = csv_file(
        'site,kind,serial,notes\nBJ-HD,server,SN1,"two\nlines, one cell"\n'
        'BJ-HD,monitor,SN2,"a 27"" screen"\nBJ-HD,monitor,SN3,27" screen\n'
    )
    r = cli("asset", "import", path)
    assert r.exit_code == 0, r.stderr
    notes = {a["serial"]: a["notes"] for a in cli("asset", "list", "-f", "json").json()}
    assert notes == {"SN1": "two\nlines, one cell", "SN2": 'a 27" screen', "SN3": '27" screen'}


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "no header line"),
        (b"\n\n", "no header line"),
        (b"a,b\n1,2\n", "missing required columns site, kind, serial"),
        (b"site,kind\nBJ-HD,server\n", "missing required column serial"),
        (b"site,kind,serial\nBJ-HD,server,caf\xe9\n", "not UTF-8 (byte 0xe9 on line 2)"),
        (b"\xff\xfes\x00i\x00t\x00e\x00", "not UTF-8"),  # UTF-16, as some tools save it
    ],
)
def test_unreadable_files_are_one_line_each(cli, site, csv_file, data, words):
    path = csv_file(data)
    for dry in ([], ["--dry-run"]):
        r = cli("asset", "import", path, *dry)
        one_line_error(r)
        assert words in r.stderr, r.stderr
    assert assets(cli) == 0


def test_many_bad_rows_list_the_first_and_count_the_rest(cli, site, csv_file):
    n = 5000
    rows = "".join(f"BJ-HD,nonsense,S{i}\n" for i in range(n))
    path = csv_file("site,kind,serial\nBJ-HD,server,GOOD-1\n" + rows + "BJ-HD,server,GOOD-2\n")
    for dry in ([], ["--dry-run"]):
        r = cli("asset", "import", path, *dry)
        assert r.exit_code == 2
        lines = r.stderr.splitlines()
        shown = asset_import.SHOWN_PROBLEMS
        assert len(lines) == shown + 2, lines[-3:]
        assert lines[0].startswith(f"{path}:3: unknown asset kind 'nonsense'")
        assert lines[shown] == f"… and {n - shown:,} more bad rows"
        assert lines[-1] == (f"svcdesk: error: {path}: {n:,} of {n + 2:,} rows are bad; "
                             "nothing was imported")  # fmt: skip
    assert assets(cli) == 0  # not even the good rows


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(bad=st.lists(st.booleans(), min_size=1, max_size=60))
def test_every_bad_row_is_listed_or_counted(tmp_path_factory, bad):
    from svcdesk.services import dbadmin, sites
    from svcdesk.services.session import open_database

    folder = tmp_path_factory.mktemp("imp")
    db = open_database(str(folder / "x.db"), create=True)
    try:
        dbadmin.init(db)
        sites.add_site(db, code="BJ-HD", name="Beijing")
        lines = ["site,kind,serial"]
        lines += [f"BJ-HD,{'nonsense' if b else 'server'},S{i}" for i, b in enumerate(bad)]
        path = folder / "f.csv"
        path.write_text("\n".join(lines) + "\n")
        n_bad = sum(bad)
        if not n_bad:
            assert asset_import.import_assets(db, str(path))["added"] == len(bad)
            return
        with pytest.raises(InvalidValue) as exc:
            asset_import.import_assets(db, str(path))
        details = exc.value.details
        shown = min(n_bad, asset_import.SHOWN_PROBLEMS)
        listed = [int(d.split(":")[1]) for d in details[:shown]]
        assert listed == [i + 2 for i, b in enumerate(bad) if b][:shown]  # the first, in order
        more = n_bad - shown
        assert details[shown:] == ([f"… and {more:,} more bad row{'s' if more > 1 else ''}"]
                                   if more else [])  # fmt: skip
        assert f"{n_bad:,} of {len(bad):,} row" in exc.value.message
        with db.read() as conn:
            assert conn.execute("SELECT count(*) FROM asset").scalar() == 0
    finally:
        db.close()


def test_ctrl_c_while_importing_writes_nothing(cli, site, csv_file, monkeypatch):
    path = csv_file("site,kind,serial\n" + "".join(f"BJ-HD,server,S{i}\n" for i in range(50)))
    real = asset_import._apply

    def apply_then_interrupt(tx, plan, *args, **kwargs):
        real(tx, plan, *args, **kwargs)  # every row written in the transaction, then Ctrl-C
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(asset_import, "_apply", apply_then_interrupt)
        r = cli("asset", "import", path)
    one_line_error(r, 130)
    assert "interrupted" in r.stderr
    assert assets(cli) == 0
    assert not [p for p in Path(path).parent.iterdir() if p.name.endswith(("-journal", ".partial"))]
