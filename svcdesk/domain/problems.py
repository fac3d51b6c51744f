"""What is wrong with a policy text: problems at a line and key, and the error listing them.

Both validators of the policy file, `policy_toml` (the calendar and the ticket classes) and
`warranty_rules` (the `[warranty]` section), report `Problem`s worded with the same helpers,
and `PolicyError` carries every problem found, so a team fixes its policy in one pass.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from svcdesk.domain.errors import InvalidValue

__all__ = ["PolicyError", "Problem", "did_you_mean", "unknown_key"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a policy text: where (line, dotted key) and what."""

    line: int | None
    key: str
    message: str

    def format(self, filename: str = "policy.toml") -> str:
        """`policy.toml:12: class[2].resolve: negative target ...`, as compilers print errors."""
        where = f"{filename}:{self.line}" if self.line else filename
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"

    def __str__(self) -> str:
        head = " ".join(
            part for part in (f"line {self.line}" if self.line else "", self.key) if part
        )
        return f"{head}: {self.message}" if head else self.message


class PolicyError(InvalidValue):
    """A policy text that cannot be used; `problems` lists everything wrong with it."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        summary = "; ".join(str(p) for p in self.problems)
        super().__init__(f"policy has {n} problem{'' if n == 1 else 's'}: {summary}")

    def lines(self, filename: str = "policy.toml") -> list[str]:
        """Every problem on its own line, prefixed with `filename:line:`."""
        return [p.format(filename) for p in self.problems]


def did_you_mean(word: str, choices: Iterable[str], *, codes: bool = False) -> str:
    """` (did you mean 'x'?)` naming the choice closest to `word`, or "" when none is close;
    `codes` also offers the upper-case spelling of a code (`cn` -> 'CN')."""
    choices = list(choices)
    close = difflib.get_close_matches(word, choices, n=1)
    if codes and not close and word.upper() != word:
        close = [c for c in choices if c == word.upper()]
    return f" (did you mean {close[0]!r}?)" if close else ""


def unknown_key(key: str, known: Iterable[str], intro: str, *, what: str = "key") -> str:
    """`unknown key 'x' (did you mean 'y'?): {intro} a, b, c`."""
    known = tuple(known)
    return f"unknown {what} {key!r}{did_you_mean(key, known)}: {intro} {', '.join(known)}"
