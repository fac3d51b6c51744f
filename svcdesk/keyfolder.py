"""The key folder: this laptop's key, the team key and the installed certificate (I/O at the edge).

The folder is `SVCDESK_KEYS` or the user config folder (platformdirs). Private keys are PEM
PKCS8 files of mode 0600: `laptop.key` (created on first need, unencrypted, like an ssh key) and
`team.key` (a manager's, encrypted with the passphrase from `SVCDESK_PASSPHRASE` or a prompt on
a terminal). A key file that group or others may read is refused. No error raised here carries
key bytes or a passphrase: cryptography's own exceptions are replaced `from None`.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from svcdesk.domain import trust
from svcdesk.domain.errors import TrustError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

LAPTOP_KEY = "laptop.key"
TEAM_KEY = "team.key"
CERTIFICATE = "member.cert"


def folder() -> Path:
    """The key folder: SVCDESK_KEYS, else the user config folder of svcdesk."""
    configured = os.environ.get("SVCDESK_KEYS")
    if configured:
        return Path(configured)
    import platformdirs

    return Path(platformdirs.user_config_dir("svcdesk"))


def _ensure_folder() -> Path:
    path = folder()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _check_mode(path: Path) -> None:
    if os.name != "posix":
        return
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise TrustError(f"{path}: a key file readable by others is refused; run: chmod 600 {path}")


def _write_private(path: Path, data: bytes) -> None:
    """Write a key file readable by its owner only (never, even briefly, by others)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def public_bytes(private: Ed25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _load(path: Path, password: bytes | None) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    _check_mode(path)
    data = path.read_bytes()
    try:
        key = load_pem_private_key(data, password=password)
    except (ValueError, TypeError):
        if password is not None:
            raise TrustError(f"{path}: wrong passphrase for the team key") from None
        raise TrustError(f"{path}: not a readable private key") from None
    finally:
        del data
    if not isinstance(key, Ed25519PrivateKey):
        raise TrustError(f"{path}: not an Ed25519 key")
    return key


def laptop_key(*, create: bool = True) -> Ed25519PrivateKey:
    """This laptop's private key, created (mode 0600) on first need."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    path = folder() / LAPTOP_KEY
    if path.exists():
        return _load(path, None)
    if not create:
        raise TrustError(f"{path}: this laptop has no key yet; run: svcdesk team request")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    _write_private(_ensure_folder() / LAPTOP_KEY, pem)
    return key


def passphrase(*, confirm: bool = False) -> bytes:
    """The team key's passphrase: SVCDESK_PASSPHRASE, else a prompt on a terminal."""
    value = os.environ.get("SVCDESK_PASSPHRASE")
    if value is None:
        if not sys.stdin.isatty():
            raise TrustError("the team key needs a passphrase: set SVCDESK_PASSPHRASE or run "
                             "on a terminal")  # fmt: skip
        import getpass

        value = getpass.getpass("Team key passphrase: ")
        if confirm and getpass.getpass("Again: ") != value:
            raise TrustError("the two passphrases differ; nothing was written")
    if not value:
        raise TrustError("the team key's passphrase is empty: choose one")
    return value.encode("utf-8")


def has_team_key() -> bool:
    return (folder() / TEAM_KEY).exists()


def create_team_key() -> Ed25519PrivateKey:
    """A new team key, written encrypted with the passphrase; refused if one exists."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        BestAvailableEncryption,
        Encoding,
        PrivateFormat,
    )

    path = folder() / TEAM_KEY
    if path.exists():
        raise TrustError(f"{path}: a team key is already here; a folder holds one team's key")
    secret = passphrase(confirm=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(secret))
    _write_private(_ensure_folder() / TEAM_KEY, pem)
    return key


def team_key() -> Ed25519PrivateKey:
    """The team key, decrypted with the passphrase; one line if absent or the passphrase is
    wrong."""
    path = folder() / TEAM_KEY
    if not path.exists():
        raise TrustError(f"{path}: no team key here; only a manager holding it can enrol")
    _check_mode(path)
    return _load(path, passphrase())


def sign_request() -> bytes:
    """This laptop's join request (its public key, self-signed)."""
    key = laptop_key()
    public = public_bytes(key)
    return trust.seal_request(public, key.sign(trust.canonical(trust.request_body(public))))


def sign_certificate(body: dict[str, object], key: Ed25519PrivateKey | None = None) -> bytes:
    """A certificate for `body`, signed with the team key (which must match body's team_key);
    `key`: the team key already at hand (`team init`), else read with the passphrase."""
    key = key or team_key()
    if public_bytes(key).hex() != body["team_key"]:
        raise TrustError("the team key here is not the key of this team")
    return trust.seal_certificate(body, key.sign(trust.canonical(body)))


def certificate_path() -> Path:
    return folder() / CERTIFICATE


def installed_certificate() -> bytes | None:
    """The installed certificate's bytes, or None when this laptop is in no team."""
    path = certificate_path()
    return path.read_bytes() if path.exists() else None


def remove_team_key() -> None:
    """Remove the team key just created (a `team init` that failed after creating it)."""
    (folder() / TEAM_KEY).unlink(missing_ok=True)


def install_certificate(raw: bytes) -> Path:
    """Install a (verified) certificate into the key folder."""
    path = _ensure_folder() / CERTIFICATE
    _write_private(path, raw)
    return path
