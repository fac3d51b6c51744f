"""The one renderer of every report: a name and a plain dict context in, Markdown, HTML or PDF
out, always in Jinja's sandbox.

    render("incident", context, fmt="html", lang="zh")                 # -> str
    render("incident", context, fmt="pdf", lang="zh")                  # -> bytes (Chromium)
    render("monthly", context, fmt="md", lang="en", template_dir="my/")

Templates are `<name>.md.j2` and `<name>.html.j2` (a PDF prints the HTML one), looked up in
`template_dir` first (a team's own folder: it may replace one template, say `base.html.j2`,
and keep the rest) and then in the templates svcdesk ships (`resources.templates_dir()`).
Both kinds run in `SandboxedEnvironment`: a template reaches only the context, the filters
below and other templates of those folders, never Python's internals or other files.

What every template gets besides its context:

- `lang` (`zh` or `en`), `fmt` (`md`, `html` or `pdf`), `lp` and `rp`: the parentheses of
  the language (full-width in Chinese, ` (` `)` in English), `t('key', name=value)`: a label of
  `labels.py` (the context's own `labels` first), its `{name}` placeholders filled in.
- filters: `term('group')` (a stored value's name: `ticket.status|term('status')`),
  `when` (an instant: `2026年10月14日 10:00`, `14 Oct 2026 10:00`; `when('short')`:
  `2026-10-14 10:00`, for table columns), `day` (a date), `span`
  (seconds as `2小时10分钟`), `target` (an SLA target: `30分钟`, `24小时`), `money` (cents),
  `age` (days as `4年5个月`), `numeral` (a section's number: `三、`, `3.`), `md` (Markdown-safe
  text, see below).

User text is data. HTML is autoescaped (`<b>` in a title shows as `<b>`). In Markdown every
printed value is escaped as if `|md` had been applied: the characters that would start markup
or break a table cell (`\\ | * _ ` [ ] < > # ~`) get a backslash, a line break in a value
becomes `<br>` (so a cell stays one table row). A value a template marks with `|md` is not
escaped twice. Both formats show control characters as visible symbols (an ESC in a title
cannot reach the terminal the report is printed on), and print None as nothing.

Problems are one line each (`ReportError`): a template that is missing, one with a syntax
error (its file and line), one that fails while rendering (its file and line, and why).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from svcdesk import humanize
from svcdesk.errors import InvalidValue, SvcdeskError
from svcdesk.reports import labels

FORMATS = ("md", "html", "pdf")
LANGUAGES = labels.LANGUAGES


class ReportError(SvcdeskError):
    """A report could not be rendered: its template is missing, wrong or failed."""


# --------------------------------------------------------------------------------------------
# Text from users, made harmless


_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def visible(text: str) -> str:
    """`text` with its control characters as visible symbols (␛ for ESC, ␍ for CR), bidi
    overrides as their code points; line breaks and tabs stay (a tab as a space)."""
    if text.isprintable():
        return text
    out = []
    for ch in text.replace("\r\n", "\n"):
        code = ord(ch)
        if ch == "\n" or ch.isprintable():
            out.append(ch)
        elif ch == "\t":
            out.append(" ")
        elif ch == "\r":
            out.append("\u240d")
        elif code < 0x20:
            out.append(chr(0x2400 + code))
        elif code == 0x7F:
            out.append("\u2421")
        elif 0x80 <= code <= 0x9F or ch in _BIDI:
            out.append(f"<U+{code:04X}>")
        elif ch in ("\u2028", "\u2029"):
            out.append("\n")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\ufffd")
        else:  # zero-width joiners, soft hyphens and other format characters: harmless
            out.append(ch)
    return "".join(out)


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|#~"})


def md(value: Any) -> Any:
    """`value` as Markdown text that shows as it reads, in a paragraph or a table cell: markup
    characters backslash-escaped, line breaks as `<br>`, control characters visible. The
    result is marked safe (markupsafe's Markup): it is not escaped again."""
    from markupsafe import Markup

    if value is None:
        return Markup("")
    if isinstance(value, Markup):
        return value
    text = visible(str(value)).translate(_MD_SPECIAL)
    lines = [line.strip() for line in text.split("\n")]
    return Markup("<br>".join(line for line in lines if line) if len(lines) > 1 else text)


def _finalize_md(value: Any) -> Any:
    """Every value a Markdown template prints, escaped for Markdown (the environment's
    autoescape then leaves it alone, as it does a macro's output, already escaped inside)."""
    if isinstance(value, bool | int | float):
        return str(value)
    return md(value)


def _finalize_html(value: Any) -> Any:
    from markupsafe import Markup

    if value is None:
        return ""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return visible(value)


# --------------------------------------------------------------------------------------------
# Dates, durations, money


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_day(value: Any, lang: str) -> str:
    """A date (a datetime's local date, or `YYYY-MM-DD` text): `2026年10月14日`, `14 Oct 2026`."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def format_when(value: Any, lang: str, style: str = "long") -> str:
    """An instant (aware, already in the display zone): `2026年10月14日 10:00`,
    `14 Oct 2026 10:00`; `short` (for table columns): `2026-10-14 10:00`. ISO 8601 text is
    read first."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # ISO 8601: a date alone stays a date
        value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return value.isoformat() if style == "short" else format_day(value, lang)
    if style == "short":
        return f"{value:%Y-%m-%d %H:%M}"
    return f"{format_day(value, lang)} {value:%H:%M}"


def format_span(seconds: Any, lang: str) -> str:
    """A duration in seconds, its two largest units: `2小时10分钟`, `2 h 10 min`."""
    if seconds is None:
        return ""
    return humanize.span(int(seconds), lang)


def format_target(seconds: Any, lang: str) -> str:
    """An SLA target as the plan words them: minutes under an hour, hours up to a week
    (`72小时`, not `3天`), then days."""
    if seconds is None:
        return ""
    s = int(seconds)
    if s % 3600 == 0 and 0 < s <= 7 * 86400:
        return f"{s // 3600}小时" if lang == "zh" else f"{s // 3600} h"
    if s < 3600 and s % 60 == 0:
        return f"{s // 60}分钟" if lang == "zh" else f"{s // 60} min"
    return humanize.span(s, lang)


def format_money(cents: Any, lang: str) -> str:
    """Integer cents (or the decimal text `visit show` gives) as `350.00 元`, `CNY 350.00`."""
    if cents is None or cents == "":
        return ""
    amount = cents if isinstance(cents, str) else f"{int(cents) // 100}.{int(cents) % 100:02d}"
    return f"{amount} 元" if lang == "zh" else f"CNY {amount}"


_NUMERALS = "一二三四五六七八九十"


def format_numeral(n: Any, lang: str) -> str:
    """A section's number: `一、` ... `二十、` in Chinese, `1.` in English."""
    k = int(n)
    if lang != "zh" or not 1 <= k <= 99:
        return f"{k}."
    tens, ones = divmod(k, 10)
    text = (("" if tens == 1 else _NUMERALS[tens - 1]) + "十" if tens else "") + (
        _NUMERALS[ones - 1] if ones else "")
    return text + "、"


def format_age(days: Any, lang: str) -> str:
    """An asset's age in days as years and months (`4年5个月`, `4 y 5 mo`), under a month in
    days; 365.25 days a year, a twelfth of that a month, cut off."""
    if days is None:
        return ""
    d = int(days)
    if d < 31:
        return labels.label(lang, "age_days_text", days=d)
    months = int(d / (365.25 / 12))
    return labels.label(lang, "age_text", years=months // 12, months=months % 12)


# --------------------------------------------------------------------------------------------
# The environment


def search_path(template_dir: str | Path | None) -> tuple[str, ...]:
    """The folders templates are looked up in: the team's (if given), then svcdesk's."""
    from svcdesk.resources import templates_dir

    shipped = str(templates_dir())
    if template_dir is None:
        return (shipped,)
    folder = Path(template_dir).expanduser()
    if not folder.is_dir():
        what = "does not exist" if not folder.exists() else "is not a folder"
        raise InvalidValue(f"--template-dir {template_dir} {what}; name a folder of templates")
    return (str(folder.resolve()), shipped)


def environment(source: str, folders: tuple[str, ...]) -> Any:
    """The sandboxed Jinja environment of one source format (`md` or `html`) over `folders`."""
    from jinja2 import FileSystemLoader, StrictUndefined, pass_context
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        loader=FileSystemLoader(list(folders), encoding="utf-8"),
        # Markdown too: what `_finalize_md` escaped (and a macro's output) is Markup, which
        # autoescape leaves as it is, so nothing is escaped twice and nothing HTML-escaped
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_finalize_html if source == "html" else _finalize_md,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )

    def lang_of(ctx: Any) -> str:
        return str(ctx.get("lang", "zh"))

    @pass_context
    def t(ctx: Any, key: str, **values: Any) -> str:
        extra = ctx.get("labels")
        return labels.label(lang_of(ctx), key, extra if isinstance(extra, Mapping) else None,
                            **values)  # fmt: skip

    def localized(fn: Any) -> Any:
        return pass_context(lambda ctx, value, *a: fn(value, lang_of(ctx), *a))

    env.globals["t"] = t
    env.filters.update({
        "term": pass_context(lambda ctx, value, group: labels.term(lang_of(ctx), group, value)),
        "when": localized(format_when),
        "day": localized(format_day),
        "span": localized(format_span),
        "target": localized(format_target),
        "money": localized(format_money),
        "numeral": localized(format_numeral),
        "age": localized(format_age),
        "md": md,
    })  # fmt: skip
    return env


def template_name(name: str, fmt: str) -> str:
    """The file a report's format renders from: `incident.md.j2`; a PDF prints the HTML."""
    return f"{name}.{'html' if fmt == 'pdf' else fmt}.j2"


def check_format(fmt: str) -> str:
    f = fmt.strip().lower()
    if f == "markdown":
        f = "md"
    if f not in FORMATS:
        raise InvalidValue(f"unknown report format {fmt!r} (choose from: {', '.join(FORMATS)})")
    return f


def check_lang(lang: str) -> str:
    """`zh` or `en` for a language svcdesk writes reports in (zh-CN means zh)."""
    try:
        return humanize.normalize_lang(lang)
    except ValueError:
        raise InvalidValue(f"unknown language {lang!r} (choose from: zh, en)") from None


def render(name: str, context: Mapping[str, Any], *, fmt: str, lang: str,
           template_dir: str | Path | None = None) -> str | bytes:  # fmt: skip
    """Report `name` rendered from `context`: Markdown or HTML text, or PDF bytes (the HTML
    printed by headless Chromium). Problems are one `ReportError` line naming the template."""
    fmt = check_format(fmt)
    lang = check_lang(lang)
    if fmt == "pdf":
        from svcdesk.reports import pdf

        pdf.find_chromium()  # before any work: say at once what is missing
    folders = search_path(template_dir)
    source = "md" if fmt == "md" else "html"
    env = environment(source, folders)
    wanted = template_name(name, fmt)
    parens = ("\uff08", "\uff09") if lang == "zh" else (" (", ")")
    values = {**context, "lang": lang, "fmt": fmt, "lp": parens[0], "rp": parens[1]}
    text = _render(env, wanted, values, folders)
    if fmt == "pdf":
        from svcdesk.reports import pdf

        return pdf.print_pdf(text)
    return text


def _render(env: Any, wanted: str, context: dict[str, Any], folders: tuple[str, ...]) -> str:
    from jinja2 import TemplateNotFound, TemplateSyntaxError

    try:
        return str(env.get_template(wanted).render(context))
    except TemplateSyntaxError as exc:
        where = exc.filename or exc.name or wanted
        raise ReportError(f"{where}:{exc.lineno}: template syntax error: {exc.message}") from exc
    except TemplateNotFound as exc:
        searched = " or ".join(folders)
        missing = exc.name if exc.name else wanted
        raise ReportError(f"no template {missing} in {searched}") from exc
    except RecursionError as exc:
        raise ReportError(f"{_where(exc, folders, wanted)}: the template recurses without "
                          "end") from exc  # fmt: skip
    except SvcdeskError:
        raise
    except Exception as exc:
        from jinja2.exceptions import SecurityError

        why = str(exc) or type(exc).__name__
        if isinstance(exc, labels.UnknownLabel):
            why = exc.args[0]
        elif isinstance(exc, SecurityError):
            why = f"refused by the sandbox: {why}"
        elif type(exc).__name__ != "UndefinedError":
            why = f"{type(exc).__name__}: {why}"
        raise ReportError(f"{_where(exc, folders, wanted)}: template failed: "
                          f"{visible(why).splitlines()[0] if why else why}") from exc  # fmt: skip


def _where(exc: BaseException, folders: tuple[str, ...], wanted: str) -> str:
    """`FILE:LINE` of the innermost template frame of the failure (Jinja puts the template's
    file and line in the traceback it raises)."""
    found = wanted
    roots = [os.path.abspath(f) + os.sep for f in folders]
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if any(os.path.abspath(filename).startswith(r) for r in roots):
            found = f"{filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return found
