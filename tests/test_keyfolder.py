"""The key folder: owner-only key files, the passphrase-protected team key, no secret in errors."""

from __future__ import annotations

import os
import traceback

import pytest

from svcdesk import keyfolder
from svcdesk.domain import trust
from svcdesk.domain.errors import TrustError

SECRET = "correct horse battery staple"


def test_the_laptop_key_is_created_once_owner_only(tmp_path):
    key = keyfolder.laptop_key()
    path = tmp_path / "keys" / keyfolder.LAPTOP_KEY
    assert path.stat().st_mode & 0o777 == 0o600
    assert keyfolder.public_bytes(keyfolder.laptop_key()) == keyfolder.public_bytes(key)


def test_a_key_file_readable_by_others_is_refused(tmp_path):
    keyfolder.laptop_key()
    path = tmp_path / "keys" / keyfolder.LAPTOP_KEY
    os.chmod(path, 0o644)
    with pytest.raises(TrustError, match="chmod 600") as caught:
        keyfolder.laptop_key()
    assert str(path) in caught.value.message


def test_the_team_key_needs_the_right_passphrase(monkeypatch, tmp_path):
    monkeypatch.setenv("SVCDESK_PASSPHRASE", SECRET)
    key = keyfolder.create_team_key()
    pem = (tmp_path / "keys" / keyfolder.TEAM_KEY).read_bytes()
    assert b"ENCRYPTED" in pem
    assert keyfolder.public_bytes(keyfolder.team_key()) == keyfolder.public_bytes(key)
    monkeypatch.setenv("SVCDESK_PASSPHRASE", "wrong " + SECRET)
    with pytest.raises(TrustError, match="wrong passphrase") as caught:
        keyfolder.team_key()
    shown = "".join(traceback.format_exception(caught.value))
    assert SECRET not in shown and "BEGIN" not in shown
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_no_passphrase_off_a_terminal_is_one_line(monkeypatch):
    with pytest.raises(TrustError, match="SVCDESK_PASSPHRASE"):
        keyfolder.create_team_key()


def test_a_request_signed_here_verifies():
    assert trust.read_request(keyfolder.sign_request()) == keyfolder.public_bytes(
        keyfolder.laptop_key()
    )


def test_the_folder_defaults_to_the_user_config_folder(monkeypatch):
    import platformdirs

    monkeypatch.delenv("SVCDESK_KEYS")
    assert str(keyfolder.folder()) == platformdirs.user_config_dir("svcdesk")
