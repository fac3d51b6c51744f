"""Team trust, the pure part: join requests, membership certificates, roles, fingerprints.

A laptop asks to join with a *request*: its Ed25519 public key, self-signed (it proves the
laptop holds the private key). A manager answers with a *certificate*: the team (id, name and
public team key), the engineer, a role and regions, the member's key, signed by the team key.
Both travel as one JSON document whose bytes are exactly their canonical form (orjson, sorted
keys, one final newline), so any changed byte is refused: it either breaks the canonical form,
the hex encoding, or the signature. Keys and signatures are lowercase hex of their raw bytes.

Only public keys are handled here (verification); signing happens in svcdesk/keyfolder.py.
No I/O, no clock: `now` is passed in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from svcdesk.domain.errors import TrustError

ROLES = ("engineer", "manager", "auditor")
REQUEST_KIND = "svcdesk-join-request"
CERTIFICATE_KIND = "svcdesk-membership"
VERSION = 1
KEY_BYTES = 32
SIGNATURE_BYTES = 64
MAX_DOCUMENT_BYTES = 64 * 1024

REQUEST_FIELDS = frozenset({"kind", "version", "key", "signature"})
CERTIFICATE_FIELDS = frozenset({
    "kind", "version", "team", "team_name", "team_key", "engineer", "role", "regions", "key",
    "enrolled_at", "expires_at", "signature",
})  # fmt: skip


def canonical(body: dict[str, Any]) -> bytes:
    """The bytes a signature covers: orjson with sorted keys, no whitespace."""
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def fingerprint(key: bytes) -> str:
    """A key's fingerprint: SHA-256 of its raw 32 bytes, lowercase hex (64 characters)."""
    return hashlib.sha256(key).hexdigest()


def short_fingerprint(key: bytes) -> str:
    """The first 16 hex characters of the fingerprint, as people see and type it."""
    return fingerprint(key)[:16]


def verify_signature(key: bytes, signature: bytes, message: bytes) -> bool:
    """Whether `signature` is `key`'s Ed25519 signature of `message`."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def check_role(role: str, regions: list[str] | tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The role and its regions (sorted, unique) if the rule holds: an engineer names at least
    one region; a manager or auditor without regions serves every region."""
    if role not in ROLES:
        raise TrustError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    cleaned = tuple(sorted({r.strip() for r in regions}))
    if any(not r for r in cleaned):
        raise TrustError("a region name is empty: name each region with --region R")
    if role == "engineer" and not cleaned:
        raise TrustError("an engineer serves named regions: add --region R (one or more)")
    return role, cleaned


def serves(role: str, regions: tuple[str, ...], region: str | None) -> bool:
    """Whether a member of `role` with `regions` serves a site of `region`."""
    if role in ("manager", "auditor") and not regions:
        return True
    return region is not None and region in regions


def _hex(value: Any, size: int, what: str, label: str) -> bytes:
    if not isinstance(value, str):
        raise TrustError(f"{label}: {what} is not hex text")
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise TrustError(f"{label}: {what} is not hex text") from None
    if len(raw) != size or raw.hex() != value:
        raise TrustError(f"{label}: {what} is not {size} bytes of lowercase hex")
    return raw


def _document(raw: bytes, label: str, kind: str, fields: frozenset[str]) -> dict[str, Any]:
    """The JSON object of a request or certificate whose bytes are exactly canonical."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise TrustError(f"{label}: too large to be a {kind}")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise TrustError(f"{label}: not a {kind} (not JSON)") from None
    if not isinstance(data, dict) or data.get("kind") != kind:
        raise TrustError(f"{label}: not a {kind}")
    if data.get("version") != VERSION:
        raise TrustError(f"{label}: {kind} version {data.get('version')!r} is not supported")
    if set(data) != fields:
        raise TrustError(f"{label}: {kind} fields are not the expected ones")
    if raw != canonical(data) + b"\n":
        raise TrustError(f"{label}: the {kind} was altered (its bytes are not canonical)")
    return data


def _seal(body: dict[str, Any], signature: bytes) -> bytes:
    return canonical({**body, "signature": signature.hex()}) + b"\n"


# --- join requests -----------------------------------------------------------------------


def request_body(key: bytes) -> dict[str, Any]:
    """What a laptop's request says before its signature: the kind and its public key."""
    return {"kind": REQUEST_KIND, "version": VERSION, "key": key.hex()}


def seal_request(key: bytes, signature: bytes) -> bytes:
    """The request document: body plus the laptop's signature of canonical(body)."""
    return _seal(request_body(key), signature)


def read_request(raw: bytes, label: str = "request") -> bytes:
    """The laptop's public key of a request whose self-signature verifies, else TrustError."""
    data = _document(raw, label, REQUEST_KIND, REQUEST_FIELDS)
    key = _hex(data["key"], KEY_BYTES, "key", label)
    signature = _hex(data["signature"], SIGNATURE_BYTES, "signature", label)
    if not verify_signature(key, signature, canonical(request_body(key))):
        raise TrustError(f"{label}: the request's signature does not verify (altered or forged)")
    return key


# --- membership certificates -------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    """A verified membership certificate."""

    team: str
    team_name: str
    team_key: bytes
    engineer: str
    role: str
    regions: tuple[str, ...]
    key: bytes
    enrolled_at: str
    expires_at: str | None
    raw: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.key)

    def body(self) -> dict[str, Any]:
        return certificate_body(
            team=self.team, team_name=self.team_name, team_key=self.team_key,
            engineer=self.engineer, role=self.role, regions=self.regions, key=self.key,
            enrolled_at=self.enrolled_at, expires_at=self.expires_at,
        )  # fmt: skip


def certificate_body(
    *, team: str, team_name: str, team_key: bytes, engineer: str, role: str,
    regions: tuple[str, ...] | list[str], key: bytes, enrolled_at: str,
    expires_at: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """What the team key signs: who, which role and regions, which key, for which team."""
    name = engineer.strip()
    if not name:
        raise TrustError("an engineer's name is empty: give --engineer NAME")
    role, cleaned = check_role(role, regions)
    return {
        "kind": CERTIFICATE_KIND, "version": VERSION, "team": team, "team_name": team_name,
        "team_key": team_key.hex(), "engineer": name, "role": role, "regions": list(cleaned),
        "key": key.hex(), "enrolled_at": enrolled_at, "expires_at": expires_at,
    }  # fmt: skip


def seal_certificate(body: dict[str, Any], signature: bytes) -> bytes:
    """The certificate document: body plus the team key's signature of canonical(body)."""
    return _seal(body, signature)


def _instant(value: Any, what: str, label: str) -> datetime:
    if not isinstance(value, str):
        raise TrustError(f"{label}: {what} is not an instant")
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise TrustError(f"{label}: {what} is not an instant") from None
    if at.tzinfo is None:
        raise TrustError(f"{label}: {what} has no UTC offset")
    return at


def read_certificate(
    raw: bytes, *, label: str = "certificate", team: str | None = None,
    team_key: bytes | None = None, now: datetime | None = None,
) -> Certificate:  # fmt: skip
    """A certificate whose team signature verifies, of the expected team (and team key) when
    given, unexpired at `now` when given; else TrustError with one line saying why."""
    data = _document(raw, label, CERTIFICATE_KIND, CERTIFICATE_FIELDS)
    signed_by = _hex(data["team_key"], KEY_BYTES, "team key", label)
    key = _hex(data["key"], KEY_BYTES, "key", label)
    signature = _hex(data["signature"], SIGNATURE_BYTES, "signature", label)
    for field in ("team", "team_name", "engineer", "role", "enrolled_at"):
        if not isinstance(data[field], str):
            raise TrustError(f"{label}: {field} is not text")
    regions = data["regions"]
    if not isinstance(regions, list) or not all(isinstance(r, str) for r in regions):
        raise TrustError(f"{label}: regions is not a list of names")
    if data["expires_at"] is not None and not isinstance(data["expires_at"], str):
        raise TrustError(f"{label}: expires_at is not an instant")
    body = {k: v for k, v in data.items() if k != "signature"}
    if not verify_signature(signed_by, signature, canonical(body)):
        raise TrustError(
            f"{label}: the certificate's signature does not verify (altered or forged)"
        )
    if team is not None and data["team"] != team:
        raise TrustError(f"{label}: a certificate of another team ({data['team_name']})")
    if team_key is not None and signed_by != team_key:
        raise TrustError(f"{label}: not signed by this team's key")
    role, cleaned = check_role(data["role"], regions)
    if list(cleaned) != regions:
        raise TrustError(f"{label}: regions are not in canonical order")
    _instant(data["enrolled_at"], "enrolled_at", label)
    if data["expires_at"] is not None:
        expires = _instant(data["expires_at"], "expires_at", label)
        if now is not None and now >= expires:
            raise TrustError(f"{label}: the certificate expired at {data['expires_at']}")
    return Certificate(
        team=data["team"], team_name=data["team_name"], team_key=signed_by,
        engineer=data["engineer"], role=role, regions=cleaned, key=key,
        enrolled_at=data["enrolled_at"], expires_at=data["expires_at"], raw=raw,
    )  # fmt: skip
