"""The exception family of svcdesk, defined in `svcdesk.domain.errors` and re-exported here."""

from __future__ import annotations

from svcdesk.domain.errors import (
    Ambiguous,
    ExitCode,
    InvalidValue,
    NotFound,
    RuleViolation,
    StoreError,
    SvcdeskError,
    TrustError,
)

__all__ = [
    "Ambiguous",
    "ExitCode",
    "InvalidValue",
    "NotFound",
    "RuleViolation",
    "StoreError",
    "SvcdeskError",
    "TrustError",
]
