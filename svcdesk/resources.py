"""Files shipped with svcdesk: the default policy and the report templates."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from svcdesk.domain.policy import Policy


def default_policy_text() -> str:
    return resources.files("svcdesk").joinpath("data/policy.toml").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def default_policy() -> Policy:
    """The policy shipped with svcdesk (svcdesk/data/policy.toml), parsed."""
    from svcdesk.domain.policy_toml import parse_policy

    # The shipped file is checked against the holidays package by the test suite.
    return parse_policy(default_policy_text(), check_country=False)


def templates_dir() -> Path:
    """The report templates: inside the installed package, or the checkout's templates/."""
    shipped = Path(str(resources.files("svcdesk"))) / "templates"
    if shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parent.parent / "templates"
