"""Files shipped with svcdesk: the default policy and the report templates."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def default_policy_text() -> str:
    return resources.files("svcdesk").joinpath("data/policy.toml").read_text(encoding="utf-8")


def templates_dir() -> Path:
    """The report templates: inside the installed package, or the checkout's templates/."""
    shipped = Path(str(resources.files("svcdesk"))) / "templates"
    if shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parent.parent / "templates"
