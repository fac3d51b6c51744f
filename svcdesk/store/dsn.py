"""PostgreSQL connection strings: recognising them, and keeping their passwords out of sight.

A hub is named by a URL (`postgresql://svc@hub/svcdesk`, any case of `postgres`/`postgresql`,
also `postgresql+psycopg://`) or by a libpq `key=value` string (`host=hub dbname=svcdesk`).
Either may carry a password (`user:pass@`, `?password=`, `password=...`). svcdesk uses such a
password to connect, but never prints or stores it: `public` is the string without it (what a
saved remote keeps; the password then comes from PGPASSWORD or ~/.pgpass), `shown` has `***` in
its place, and `redact` is the one function every message passes through.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, unquote

from svcdesk.errors import InvalidValue

# libpq's connection keywords (PostgreSQL 18): a string starting with one of them and `=` is a
# key=value connection string, not a file name.
_KEYWORD_NAMES = """host hostaddr port dbname user password passfile require_auth channel_binding
    connect_timeout client_encoding options application_name fallback_application_name
    keepalives keepalives_idle keepalives_interval keepalives_count tcp_user_timeout replication
    sslmode sslnegotiation sslcompression sslcert sslkey sslkeylogfile sslpassword sslcertmode
    sslrootcert sslcrl sslcrldir sslsni requirepeer ssl_min_protocol_version
    ssl_max_protocol_version gssencmode krbsrvname gsslib gssdelegation service
    target_session_attrs load_balance_hosts min_protocol_version max_protocol_version
    scram_client_key scram_server_key oauth_issuer oauth_client_id oauth_client_secret
    oauth_scope"""
KEYWORDS = frozenset(_KEYWORD_NAMES.split())
# The keywords whose value is a secret.
SECRET_KEYS = frozenset(
    {"password", "sslpassword", "oauth_client_secret", "scram_client_key", "scram_server_key"}
)
HIDDEN = "***"

_SCHEME = re.compile(r"^\s*(postgres(?:ql)?)(\+psycopg\d?)?://", re.IGNORECASE)
_KEYWORD_START = re.compile(r"^\s*([A-Za-z_]+)\s*=")
# in free text: a URL, and anything that reads as `...pass...=value`
_URL_IN_TEXT = re.compile(r"postgres(?:ql)?(?:\+psycopg\d?)?://[^\s'\"<>]*", re.IGNORECASE)
_SECRET_IN_TEXT = re.compile(
    r"\b((?:ssl)?password|passwd|pwd|oauth_client_secret|scram_\w+_key|\w*pass(?:word|wd|phrase)?\b)"
    r"(\s*[=:]\s*)('(?:[^'\\]|\\.)*'?|\"(?:[^\"\\]|\\.)*\"?|[^\s&;,'\"]+)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Dsn:
    """A PostgreSQL connection string, taken apart."""

    connect: str  # what libpq is given (the scheme spelled as libpq wants it; password kept)
    public: str  # without any password: fit to store
    shown: str  # the password as ***: fit to print
    secrets: tuple[str, ...]  # every secret value it carries, as written and decoded

    @property
    def has_password(self) -> bool:
        return bool(self.secrets)


def is_postgres(text: str) -> bool:
    """Does `text` name a PostgreSQL database (a URL of any case, or a libpq key=value string)?"""
    if _SCHEME.match(text):
        return True
    m = _KEYWORD_START.match(text)
    return m is not None and m.group(1).lower() in KEYWORDS


def parse(text: str) -> Dsn:
    """Take a PostgreSQL URL or key=value string apart; a malformed one is refused in one line
    that does not repeat it (it may hold a password)."""
    if "\x00" in text:
        raise InvalidValue("a PostgreSQL connection string cannot contain a NUL character")
    if _SCHEME.match(text):
        return _parse_url(text.strip())
    return _parse_keywords(text)


# --------------------------------------------------------------------------------------------
# URLs


def _parse_url(text: str) -> Dsn:
    m = _SCHEME.match(text)
    assert m is not None
    rest = text[m.end() :]
    connect = "postgresql://" + rest
    secrets: list[str] = []
    # Credentials end at the last '@': libpq takes the first before any '/', but a password
    # with a stray '@', '/' or '?' in it must not be shown (nor stored) either way.
    at = rest.rfind("@")
    user_public = user_shown = ""
    tail = rest
    if at >= 0 and "/" not in rest[:at].partition(":")[0]:
        userinfo, tail = rest[:at], rest[at + 1 :]
        user, colon, password = userinfo.partition(":")
        if colon:
            secrets.append(password)
            user_public, user_shown = f"{user}@", f"{user}:{HIDDEN}@"
        else:
            user_public = user_shown = f"{userinfo}@"
    base, qmark, query = tail.partition("?")
    kept: list[str] = []
    shown: list[str] = []
    if qmark:
        for part in query.split("&"):
            key, eq, value = part.partition("=")
            if unquote(key).strip().lower() in SECRET_KEYS:
                secrets.append(value)
                shown.append(f"{key}={HIDDEN}")
            else:
                kept.append(part)
                shown.append(part)
    public = f"postgresql://{user_public}{base}" + ("?" + "&".join(kept) if kept else "")
    display = f"postgresql://{user_shown}{base}" + ("?" + "&".join(shown) if shown else "")
    return Dsn(connect, public, display, _forms(secrets))


# --------------------------------------------------------------------------------------------
# key=value strings


def _parse_keywords(text: str) -> Dsn:
    pairs = _keyword_pairs(text)
    secrets: list[str] = []
    public: list[str] = []
    shown: list[str] = []
    for key, value in pairs:
        if key.lower() in SECRET_KEYS:
            secrets.append(value)
            shown.append(f"{key}={HIDDEN}")
            continue
        if key == "dbname" and is_postgres(value) and value.strip() != "":
            inner = parse(value)  # libpq expands a dbname that is itself a connection string
            secrets += inner.secrets
            public.append(f"{key}={_quote_value(inner.public)}")
            shown.append(f"{key}={_quote_value(inner.shown)}")
            continue
        public.append(f"{key}={_quote_value(value)}")
        shown.append(public[-1])
    return Dsn(text, " ".join(public), " ".join(shown), _forms(secrets))


def _keyword_pairs(text: str) -> list[tuple[str, str]]:
    """libpq's reading of a key=value string (values may be 'quoted', with \\ escapes)."""
    pairs: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            return pairs
        start = i
        while i < n and not text[i].isspace() and text[i] != "=":
            i += 1
        key = text[start:i]
        while i < n and text[i].isspace():
            i += 1
        if i >= n or text[i] != "=":
            raise _malformed(f"part {len(pairs) + 1} is not a key=value pair")
        i += 1
        while i < n and text[i].isspace():
            i += 1
        value: list[str] = []
        if i < n and text[i] == "'":
            i += 1
            while True:
                if i >= n:
                    raise _malformed("a quoted value has no closing quote")
                if text[i] == "\\" and i + 1 < n:
                    value.append(text[i + 1])
                    i += 2
                elif text[i] == "'":
                    i += 1
                    break
                else:
                    value.append(text[i])
                    i += 1
        else:
            while i < n and not text[i].isspace():
                if text[i] == "\\" and i + 1 < n:
                    value.append(text[i + 1])
                    i += 2
                else:
                    value.append(text[i])
                    i += 1
        pairs.append((key, "".join(value)))


def _malformed(why: str) -> InvalidValue:
    return InvalidValue(
        f"invalid PostgreSQL connection string: {why} (write key=value pairs, quote a value "
        "with spaces as key='a b'; keep a password in PGPASSWORD or ~/.pgpass instead)"
    )


def _quote_value(value: str) -> str:
    if value and not any(c.isspace() or c in "'\\" for c in value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _forms(secrets: Iterable[str]) -> tuple[str, ...]:
    """Each secret as written, percent-decoded and percent-encoded (a driver's message may
    quote any of them); empty ones are no secret."""
    out: list[str] = []
    for s in secrets:
        for form in (s, unquote(s), quote(s, safe=""), quote(unquote(s), safe="")):
            if form and form not in out:
                out.append(form)
    return tuple(sorted(out, key=len, reverse=True))


# --------------------------------------------------------------------------------------------
# The one redaction


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` fit to print: a connection string (the whole text, or any URL or `password=`
    inside a message) with every password as ***, and each of `secrets` (the values a
    connection string carried, which a driver's message may repeat) replaced too."""
    found = list(secrets)
    if is_postgres(text):
        try:
            dsn = parse(text)
        except InvalidValue:
            pass
        else:
            found += dsn.secrets
            text = dsn.shown
    text = _URL_IN_TEXT.sub(lambda m: _url_shown(m.group(0), found), text)
    text = _SECRET_IN_TEXT.sub(lambda m: f"{m.group(1)}{m.group(2)}{HIDDEN}", text)
    for secret in sorted(set(found), key=len, reverse=True):
        if secret == HIDDEN or not secret:
            continue
        if len(secret) >= 4:
            text = text.replace(secret, HIDDEN)
        else:  # a short one only where it stands alone, or every message would be mangled
            text = re.sub(rf"(?<!\w){re.escape(secret)}(?!\w)", HIDDEN, text)
    return text


def _url_shown(url: str, found: list[str]) -> str:
    dsn = _parse_url(url)
    found += dsn.secrets
    return dsn.shown


def public(text: str) -> str:
    """A PostgreSQL connection string without its password (anything else as it is)."""
    return parse(text).public if is_postgres(text) else text
