"""The team, first part (issue 20): init -> request -> enroll -> join -> whoami on two laptops;
every bad input is one line, a non-zero exit and nothing written; no secret leaks anywhere."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

SECRET = "tuesday-奶茶-passphrase"


class Laptop:
    """One laptop: its key folder and its database, switched into the environment per call."""

    def __init__(self, cli, monkeypatch, root: Path, name: str) -> None:
        self.cli, self.mp = cli, monkeypatch
        self.keys, self.db = root / f"{name}-keys", root / f"{name}.db"

    def __call__(self, *args: str, passphrase: str | None = None):
        self.mp.setenv("SVCDESK_KEYS", str(self.keys))
        self.mp.setenv("SVCDESK_DB", str(self.db))
        if passphrase is None:
            self.mp.delenv("SVCDESK_PASSPHRASE", raising=False)
        else:
            self.mp.setenv("SVCDESK_PASSPHRASE", passphrase)
        return self.cli(*args)

    def files(self) -> dict[str, bytes]:
        """Every file of this laptop (key folder and database), to show nothing was written."""
        out = {}
        db_files = sorted(self.db.parent.glob(self.db.name + "*"))
        for path in [*sorted(self.keys.glob("*")), *db_files]:
            out[str(path)] = path.read_bytes()
        return out


@pytest.fixture
def laptops(cli, monkeypatch, tmp_path):
    manager = Laptop(cli, monkeypatch, tmp_path, "manager")
    field = Laptop(cli, monkeypatch, tmp_path, "field")
    assert manager("init").exit_code == 0
    assert field("init").exit_code == 0
    return manager, field


@pytest.fixture
def team(laptops, tmp_path):
    manager, field = laptops
    got = manager("team", "init", "--name", "华北服务队", "--engineer", "王强", passphrase=SECRET)
    assert got.exit_code == 0, got.stderr
    return manager, field


def enrolled(team, tmp_path, *extra: str) -> tuple[Path, Path]:
    manager, field = team
    req, cert = tmp_path / "li.request", tmp_path / "li.cert"
    assert field("team", "request", "-o", str(req)).exit_code == 0
    got = manager("team", "enroll", str(req), "--engineer", "李伟", "--role", "engineer",
                  "--region", "北京", "-o", str(cert), *extra, passphrase=SECRET)  # fmt: skip
    assert got.exit_code == 0, got.stderr
    return req, cert


def one_line_refusal(got) -> None:
    assert got.exit_code != 0
    assert got.stdout == ""
    assert len(got.stderr.strip().splitlines()) == 1, got.stderr


def test_the_workflow_on_two_laptops(team, tmp_path):
    manager, field = team
    me = manager("whoami", "-f", "json").json()
    assert (me["engineer"], me["role"], me["regions"], me["team"]) == ("王强", "manager", [],
                                                                      "华北服务队")
    _, cert = enrolled(team, tmp_path)
    got = field("team", "join", str(cert))
    assert got.exit_code == 0, got.stderr
    who = field("whoami", "-f", "json").json()
    assert {k: who[k] for k in ("engineer", "role", "regions", "team")} == {
        "engineer": "李伟", "role": "engineer", "regions": ["北京"], "team": "华北服务队"}
    assert len(who["key"]) == 64 and who["revoked_at"] is None
    for laptop in (manager, field):
        members = laptop("team", "list", "-f", "json").json()
        assert {m["engineer"] for m in members} >= {"李伟"}
        assert set(members[0]) >= {"engineer", "role", "regions", "key", "enrolled_at",
                                   "revoked_at"}
    assert {m["engineer"] for m in manager("team", "list", "-f", "json").json()} == {"王强", "李伟"}
    assert manager("team", "list", "--all", "-f", "json").exit_code == 0


def test_a_replica_without_a_team_works_as_before(laptops):
    manager, _ = laptops
    got = manager("whoami")
    one_line_refusal(got)
    assert "not in a team" in got.stderr
    assert manager("site", "add", "BJ-HD", "--name", "Haidian").exit_code == 0
    assert manager("team", "list", "-f", "json").json() == []


def test_a_tampered_request_is_refused_and_nothing_is_written(team, tmp_path):
    manager, field = team
    req = tmp_path / "r"
    assert field("team", "request", "-o", str(req)).exit_code == 0
    data = req.read_bytes()
    i = data.index(b'"key":"') + 8
    req.write_bytes(data[:i] + (b"0" if data[i:i + 1] != b"0" else b"1") + data[i + 1:])
    before = manager.files()
    got = manager("team", "enroll", str(req), "--engineer", "X", "--role", "engineer",
                  "--region", "北京", "-o", str(tmp_path / "c"), passphrase=SECRET)  # fmt: skip
    one_line_refusal(got)
    assert "does not verify" in got.stderr
    assert manager.files() == before and not (tmp_path / "c").exists()


@pytest.mark.parametrize("edit", [(b'"role":"engineer"', b'"role":"manager"'),
                                  (b'"regions":["\xe5\x8c\x97\xe4\xba\xac"]', b'"regions":[]')])
def test_a_tampered_certificate_is_refused_and_nothing_is_written(team, tmp_path, edit):
    _, field = team
    _, cert = enrolled(team, tmp_path)
    cert.write_bytes(cert.read_bytes().replace(*edit))
    before = field.files()
    got = field("team", "join", str(cert))
    one_line_refusal(got)
    assert "signature does not verify" in got.stderr
    assert field.files() == before
    assert "not in a team" in field("whoami").stderr


def test_a_certificate_of_another_team_is_refused(team, tmp_path, cli, monkeypatch):
    manager, field = team
    other = Laptop(cli, monkeypatch, tmp_path, "other")
    assert other("init").exit_code == 0
    assert other("team", "init", "--name", "华东", passphrase=SECRET).exit_code == 0
    req = tmp_path / "r"
    assert manager("team", "request", "-o", str(req)).exit_code == 0
    cert = tmp_path / "c"
    got = other("team", "enroll", str(req), "--engineer", "王强", "--role", "manager",
                "-o", str(cert), passphrase=SECRET)  # fmt: skip
    assert got.exit_code == 0, got.stderr
    before = manager.files()
    got = manager("team", "join", str(cert))
    one_line_refusal(got)
    assert "another team" in got.stderr
    assert manager.files() == before


def test_a_wrong_passphrase_is_one_line_with_nothing_written(team, tmp_path):
    manager, field = team
    req = tmp_path / "r"
    assert field("team", "request", "-o", str(req)).exit_code == 0
    before = manager.files()
    got = manager("--debug", "team", "enroll", str(req), "--engineer", "李伟", "--role",
                  "engineer", "--region", "北京", passphrase="wrong-" + SECRET)  # fmt: skip
    assert got.exit_code == 1 and got.stdout == ""
    assert "wrong passphrase" in got.stderr
    assert SECRET not in got.stderr and "PRIVATE KEY" not in got.stderr
    assert manager.files() == before
    got = manager("team", "enroll", str(req), "--engineer", "李伟", "--role", "engineer",
                  "--region", "北京")  # fmt: skip
    one_line_refusal(got)
    assert "SVCDESK_PASSPHRASE" in got.stderr


def test_a_key_file_readable_by_others_is_refused(team, tmp_path):
    manager, field = team
    assert field("team", "request", "-o", str(tmp_path / "r")).exit_code == 0
    os.chmod(field.keys / "laptop.key", 0o644)
    got = field("team", "request")
    one_line_refusal(got)
    assert "chmod 600" in got.stderr and "laptop.key" in got.stderr
    os.chmod(manager.keys / "team.key", 0o640)
    os.chmod(field.keys / "laptop.key", 0o600)
    got = manager("team", "enroll", str(tmp_path / "r"), "--engineer", "李伟", "--role",
                  "engineer", "--region", "北京", passphrase=SECRET)  # fmt: skip
    one_line_refusal(got)
    assert "team.key" in got.stderr


def test_bad_enrolments_are_one_line(team, tmp_path):
    manager, field = team
    req = tmp_path / "r"
    assert field("team", "request", "-o", str(req)).exit_code == 0
    before = manager.files()
    bad = (["--role", "engineer"], ["--role", "boss"], ["--role", "engineer", "--region", ""])
    for args in bad:
        got = manager("team", "enroll", str(req), "--engineer", "李伟", *args, passphrase=SECRET)
        one_line_refusal(got)
    one_line_refusal(manager("team", "enroll", str(tmp_path / "missing"), "--engineer", "X",
                             "--role", "auditor", passphrase=SECRET))  # fmt: skip
    one_line_refusal(field("team", "enroll", str(req), "--engineer", "X", "--role", "auditor",
                           passphrase=SECRET))  # fmt: skip
    one_line_refusal(manager("team", "init", "--name", "again", passphrase=SECRET))
    assert manager.files() == before


def test_a_certificate_for_another_laptop_is_refused(team, tmp_path, cli, monkeypatch):
    _, cert = enrolled(team, tmp_path)
    stranger = Laptop(cli, monkeypatch, tmp_path, "stranger")
    assert stranger("init").exit_code == 0
    assert stranger("team", "request", "-o", str(tmp_path / "s")).exit_code == 0
    got = stranger("team", "join", str(cert))
    one_line_refusal(got)
    assert "another laptop" in got.stderr


def test_no_secret_in_the_database_or_the_output(team, tmp_path):
    manager, field = team
    _, cert = enrolled(team, tmp_path)
    outputs = [field("team", "join", str(cert)), manager("team", "list", "-f", "json"),
               field("--debug", "whoami", "-f", "json"),
               manager("--debug", "team", "init", "--name", "again", passphrase=SECRET)]
    secrets = [SECRET.encode()]
    for laptop in (manager, field):
        for name in ("laptop.key", "team.key"):
            path = laptop.keys / name
            if path.exists():
                pem = path.read_bytes()
                secrets.append(b"".join(pem.splitlines()[1:-1]))  # the key's base64 body
                assert path.stat().st_mode & 0o777 == 0o600
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    raw = load_pem_private_key((field.keys / "laptop.key").read_bytes(), None).private_bytes_raw()
    secrets.append(raw)
    secrets.append(raw.hex().encode())
    for laptop in (manager, field):
        blob = b"".join(laptop.files()[str(p)] for p in
                        sorted(laptop.db.parent.glob(laptop.db.name + "*")))  # fmt: skip
        for secret in secrets:
            assert secret not in blob
    for got in outputs:
        text = (got.stdout + got.stderr).encode()
        for secret in secrets:
            assert secret not in text
    assert json.loads(outputs[1].stdout)
