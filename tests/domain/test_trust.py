"""Membership certificates and join requests: any changed byte is refused, roles keep rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from svcdesk.domain import trust
from svcdesk.domain.errors import TrustError

NOW = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)


def raw(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


TEAM = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
LAPTOP = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(2, 34)))


def request(private: Ed25519PrivateKey = LAPTOP) -> bytes:
    key = raw(private)
    return trust.seal_request(key, private.sign(trust.canonical(trust.request_body(key))))


def certificate(
    *, signer: Ed25519PrivateKey = TEAM, team: str = "t-1", role: str = "engineer",
    regions: tuple[str, ...] = ("北京",), expires_at: str | None = None,
) -> bytes:  # fmt: skip
    body = trust.certificate_body(
        team=team, team_name="华北服务队", team_key=raw(signer), engineer="李伟", role=role,
        regions=regions, key=raw(LAPTOP), enrolled_at="2026-12-08T02:00:00+00:00",
        expires_at=expires_at,
    )  # fmt: skip
    return trust.seal_certificate(body, signer.sign(trust.canonical(body)))


def test_a_request_gives_the_laptops_key():
    assert trust.read_request(request()) == raw(LAPTOP)


def test_a_certificate_reads_back_what_was_signed():
    cert = trust.read_certificate(certificate(), team="t-1", team_key=raw(TEAM), now=NOW)
    assert (cert.engineer, cert.role, cert.regions, cert.key) == ("李伟", "engineer", ("北京",),
                                                                  raw(LAPTOP))
    assert cert.fingerprint == trust.fingerprint(raw(LAPTOP))
    assert len(trust.short_fingerprint(raw(LAPTOP))) == 16


def test_a_certificate_of_another_team_is_refused():
    with pytest.raises(TrustError, match="another team"):
        trust.read_certificate(certificate(team="t-2"), team="t-1")


def test_a_certificate_signed_by_another_key_is_refused():
    with pytest.raises(TrustError, match="not signed by this team's key"):
        trust.read_certificate(certificate(signer=OTHER), team="t-1", team_key=raw(TEAM))


def test_an_engineer_certificate_edited_to_manager_fails_its_signature():
    forged = certificate().replace(b'"role":"engineer"', b'"role":"manager"')
    with pytest.raises(TrustError, match="signature does not verify"):
        trust.read_certificate(forged)


def test_an_expired_certificate_is_refused():
    cert = certificate(expires_at="2026-12-01T00:00:00+00:00")
    with pytest.raises(TrustError, match="expired"):
        trust.read_certificate(cert, now=NOW)


@pytest.mark.parametrize(
    ("role", "regions", "error"),
    [("engineer", (), "names at least|named regions"), ("boss", (), "unknown role"),
     ("engineer", ("",), "empty")],
)  # fmt: skip
def test_role_rules(role, regions, error):
    with pytest.raises(TrustError, match=error):
        trust.check_role(role, regions)


def test_who_serves_which_region():
    assert trust.serves("manager", (), "北京")
    assert trust.serves("auditor", (), None)
    assert trust.serves("engineer", ("北京",), "北京")
    assert not trust.serves("engineer", ("北京",), "上海")
    assert not trust.serves("manager", ("北京",), "上海")


def test_a_reformatted_document_is_refused():
    with pytest.raises(TrustError, match="not canonical"):
        trust.read_request(request().replace(b",", b", "))


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_byte_change_to_a_certificate_is_refused(data):
    doc = certificate()
    i = data.draw(st.integers(0, len(doc) - 1))
    b = data.draw(st.integers(0, 255).filter(lambda v: v != doc[i]))
    with pytest.raises(TrustError):
        trust.read_certificate(doc[:i] + bytes([b]) + doc[i + 1 :])


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_byte_change_to_a_request_is_refused(data):
    doc = request()
    i = data.draw(st.integers(0, len(doc) - 1))
    b = data.draw(st.integers(0, 255).filter(lambda v: v != doc[i]))
    with pytest.raises(TrustError):
        trust.read_request(doc[:i] + bytes([b]) + doc[i + 1 :])


@settings(max_examples=100, deadline=None)
@given(cut=st.integers(0, 400), extra=st.binary(min_size=1, max_size=4))
def test_truncated_or_extended_documents_are_refused(cut, extra):
    doc = certificate()
    with pytest.raises(TrustError):
        trust.read_certificate(doc[: min(cut, len(doc) - 1)])
    with pytest.raises(TrustError):
        trust.read_certificate(doc + extra)
