"""`sla board` (and the reports in words) read the policy's language from its text alone:
always the language the whole parsed policy has."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from svcdesk.resources import default_policy_text
from svcdesk.services import policies

DEFAULT = default_policy_text()
SPELLINGS = st.sampled_from(["zh", "en", "EN", " zh ", "Zh", "en ", "ZH"])


def without_language(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("language"))


@settings(max_examples=40, deadline=None)
@given(st.none() | SPELLINGS)
def test_the_language_read_alone_is_the_parsed_policys(spelling):
    base = without_language(DEFAULT)
    source = base if spelling is None else f'language = "{spelling}"\n{base}'
    assert policies.language_of(source) == policies.parse(source).language
    assert policies.language_of(source) in ("zh", "en")


def test_the_default_policy_speaks_chinese():
    assert policies.language_of(DEFAULT) == policies.parse(DEFAULT).language == "zh"
