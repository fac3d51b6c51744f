"""One exception family for everything svcdesk refuses; the CLI root turns it into one line."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    FOUND = 3  # a --check flag found something


class SvcdeskError(Exception):
    """Base of every error svcdesk reports to a user as one line."""

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.details: list[str] = []  # lines printed before the error line (e.g. each problem)


class InvalidValue(SvcdeskError):
    """A value given on the command line (instant, duration, choice) is not valid."""

    exit_code = ExitCode.USAGE


class NotFound(SvcdeskError):
    """A reference names no record."""


class Ambiguous(SvcdeskError):
    """A reference prefix names more than one record."""


class RuleViolation(SvcdeskError):
    """The request breaks a rule of the ticket lifecycle or the policy."""


class StoreError(SvcdeskError):
    """The database cannot be opened, read or written as asked."""


class TrustError(SvcdeskError):
    """A join request, certificate or key is refused (another team, bad signature, bad role)."""
