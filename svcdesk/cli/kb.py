"""svcdesk kb: the knowledge base of classic cases and FAQ, searchable offline."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer

from svcdesk.cli import complete, report_digest, report_options
from svcdesk.cli.common import at_option, fmt_option, get_db, notify, renders

if TYPE_CHECKING:
    from svcdesk.output import Result

app = typer.Typer(
    help="Knowledge base: classic cases and FAQ, search, the operators' digest.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

# services/kb.py KINDS and LIMIT (a test checks they agree); here to keep the store unloaded
KINDS = ("faq", "case")
LIMIT = 20
# the fields of an article (its JSON and CSV columns, the CSV header of an empty list)
ARTICLE_KEYS = ("id", "ref", "title", "kind", "tags", "tickets", "applies_to", "body",
                "created_at", "updated_at")  # fmt: skip
HIT_KEYS = (*ARTICLE_KEYS, "score", "snippet", "marks")
MARK = "bold yellow"  # a match in a search result, on a terminal

ARTICLE_ARG = typer.Argument(
    ..., metavar="ARTICLE", help="Article ref (KQ7M-K3), here also K3 or 3, or a unique prefix."
)


def _kind_option(text: str) -> Any:
    return typer.Option(None, "--kind", metavar="KIND", help=text,
                        autocompletion=lambda: list(KINDS))  # fmt: skip


def _body_option(text: str) -> Any:
    return typer.Option(None, "--body", metavar="FILE|-", help=text)


def _version_option(text: str) -> Any:
    return typer.Option(None, "--applies-to", "--version", metavar="VERSION", help=text)


def _ticket_option(text: str) -> Any:
    return typer.Option(None, "--ticket", metavar="TICKET", help=text,
                        autocompletion=complete.tickets)  # fmt: skip


def _cols() -> list[Any]:
    from svcdesk.output import Col

    return [
        Col("ref", "REF"),
        Col("kind", "KIND"),
        Col("title", "TITLE"),
        Col("tags", "TAGS", drop=1),
        Col("updated_at", "UPDATED", "instant", drop=2),
    ]


def _article(rec: dict[str, Any]) -> Result:
    """An article as `kb show` shows it: its fields, then its body."""
    from svcdesk import output
    from svcdesk.output import Col

    fields = [
        Col("ref", "Article"),
        Col("title", "Title"),
        Col("kind", "Kind"),
        Col("tags", "Tags"),
        Col("tickets", "Tickets"),
        Col("applies_to", "Applies to"),
        Col("updated_at", "Updated", "instant"),
        Col("created_at", "Created", "instant"),
        Col("id", "Id"),
        Col("body", "Body"),
    ]
    return output.Result(record=rec, fields=fields)


@app.command("add")
@renders
def add(
    title: str = typer.Option(..., "--title", metavar="TEXT", help="What the article answers."),
    body: str = _body_option("The Markdown body: a UTF-8 file, or - for standard input."),
    kind: str = _kind_option("faq (for operators, the default) or case (a classic case)."),
    tag: list[str] = typer.Option(None, "--tag", metavar="TAG",
                                  help="A tag (any case: stored lower case). Repeat for more."),
    ticket: list[str] = _ticket_option("A ticket it draws on. Repeat for more."),
    applies_to: str = _version_option("The upgrade version it applies to."),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Add an article to the knowledge base.

    \b
    Example:
      svcdesk kb add --title "叫号机打印卡纸" --body jam.md --tag 叫号机 --tag 打印机
      svcdesk kb add --title "Screens dark after 3.2" --kind case --ticket 12 \\
        --applies-to 3.2 --body - < case.md
    """
    from svcdesk.services import kb

    rec = kb.add_article(get_db(), title=title, body_file=body, kind=kind, tags=tag or [],
                         tickets=ticket or [], applies_to=applies_to, at=at)  # fmt: skip
    return _article(rec)


@app.command("edit")
@renders
def edit(
    article: str = ARTICLE_ARG,
    title: str = typer.Option(None, "--title", metavar="TEXT", help="A new title."),
    body: str = _body_option("A new body: a UTF-8 Markdown file, or - for standard input."),
    kind: str = _kind_option("faq or case."),
    tag: list[str] = typer.Option(None, "--tag", metavar="TAG", help="Add a tag. Repeatable."),
    untag: list[str] = typer.Option(None, "--untag", metavar="TAG",
                                    help="Take a tag away. Repeatable."),
    ticket: list[str] = _ticket_option("Link a ticket. Repeatable."),
    unlink: list[str] = typer.Option(None, "--unlink", metavar="TICKET",
                                     help="Unlink a ticket. Repeatable."),
    applies_to: str = _version_option("The upgrade version it applies to ('' clears it)."),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Change an article's fields, tags or tickets.

    Its title, body, kind or version; tags added (--tag) or taken away (--untag), tickets
    linked (--ticket) or unlinked (--unlink). Concurrent edits of one field on two laptops
    (the body, say) keep both versions: the one that lost is listed by 'svcdesk sync
    conflicts' and 'svcdesk sync keep' brings it back.

    \b
    Example:
      svcdesk kb edit 3 --body jam.md --tag 热敏纸
      svcdesk kb edit KQ7M-K3 --untag printer --applies-to ''
    """
    from svcdesk.services import kb

    rec = kb.edit_article(get_db(), article, title=title, body_file=body, kind=kind,
                          tags=tag or [], untag=untag or [], tickets=ticket or [],
                          unlink=unlink or [], applies_to=applies_to, at=at,
                          notify=notify)  # fmt: skip
    return _article(rec)


@app.command("show")
@renders
def show(article: str = ARTICLE_ARG, fmt: str = fmt_option()) -> Result:
    """Show one article with its body.

    \b
    Example:
      svcdesk kb show 3 -f json
    """
    from svcdesk.services import kb

    return _article(kb.show_article(get_db(), article))


@app.command("list")
@renders
def list_(
    kind: str = _kind_option("Only faq or only case articles."),
    tag: str = typer.Option(None, "--tag", metavar="TAG", help="Only articles with this tag."),
    fmt: str = fmt_option(),
) -> Result:
    """List articles, most recently updated first.

    \b
    Example:
      svcdesk kb list --kind case --tag dvr
    """
    from svcdesk import output
    from svcdesk.services import kb

    rows = kb.list_articles(get_db(), kind=kind, tag=tag)
    return output.Result(rows=rows, cols=_cols(), empty="no articles", keys=ARTICLE_KEYS)


@app.command("search")
@renders
def search_(
    query: list[str] = typer.Argument(..., metavar="QUERY",
                                      help="Words, or Chinese of two characters or more."),
    limit: int = typer.Option(LIMIT, "--limit", metavar="N",
                              help=f"Show the best N (default {LIMIT}; 0: every match)."),
    fmt: str = fmt_option(),
) -> Result:
    """Search the knowledge base, best first.

    Every word of the query must match, and any two Chinese characters of an article find it;
    a match in the title ranks above one in the body. Works offline, on Chinese and English
    alike; on a terminal the matches are highlighted.

    \b
    Example:
      svcdesk kb search 打印 卡纸
      svcdesk kb search dvr disk -f json
    """
    from svcdesk import output
    from svcdesk.output import Col
    from svcdesk.services import kb

    found = kb.search(get_db(), " ".join(query), limit=limit)
    hits, total = found["hits"], found["total"]
    notes = []
    if total > len(hits):
        notes.append(f"showing the best {len(hits)} of {total} matches; --limit 0 shows them all")
    empty = f"no article matches {found['query']!r}"
    if output.pick_format(fmt) != "table":
        cols = [Col("ref", "REF"), Col("kind", "KIND"), Col("title", "TITLE"),
                Col("snippet", "SNIPPET")]  # fmt: skip
        return output.Result(rows=hits, cols=cols, empty=empty, keys=HIT_KEYS, notes=notes)
    if not hits:
        return output.Result(message=empty, notes=notes)
    return output.Result(text=_highlighted(hits), notes=notes)


def _highlighted(hits: list[dict[str, Any]]) -> str:
    """Search results for a terminal: the ref, the title and the kind and tags on one line,
    the snippet under it, every match in MARK; user text neutralised piece by piece."""
    import io
    import shutil

    from rich.console import Console
    from rich.text import Text

    from svcdesk.output import shown

    def marked(text: str, marks: list[list[int]]) -> Text:
        out, at = Text(), 0
        for start, end in marks:
            out.append(shown(text[at:start]))
            out.append(shown(text[start:end]), style=MARK)
            at = end
        out.append(shown(text[at:]))
        return out

    tty = sys.stdout.isatty()
    buf = io.StringIO()
    width = shutil.get_terminal_size().columns if tty else 240
    console = Console(file=buf, force_terminal=tty, width=width, highlight=False)
    for hit in hits:
        about = hit["kind"] + (" · " + ", ".join(hit["tags"]) if hit["tags"] else "")
        line = Text()
        line.append(shown(hit["ref"]), style="bold cyan")
        line.append("  ")
        line.append_text(marked(hit["title"], hit["marks"]["title"]))
        line.append("  ")
        line.append(shown(about), style="dim")
        console.print(line)
        if hit["snippet"]:
            console.print(Text("    ").append_text(marked(hit["snippet"],
                                                          hit["marks"]["snippet"])))
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# The operators' digest, and classic cases drafted from tickets


@app.command("digest")
def digest(
    since: str = report_digest.since_option(),
    push: bool = typer.Option(False, "--push",
                              help="Record that this digest was pushed to the operators (svcdesk "
                              "due then counts the next one from now)."),
    at: str = typer.Option(None, "--at", metavar="INSTANT",
                           help="With --push: when it was pushed (default: now); the period "
                           "ends there."),
    fmt: str = report_options.fmt_option(),
    out: str = report_options.out_option(),
    lang: str = report_options.lang_option(),
    template_dir: str = report_options.template_dir_option(),
) -> None:
    """The FAQ digest for the operators (常见问题汇编), pushed with --push.

    The FAQ articles added or updated since --since (default: since the last digest pushed),
    a table of contents and each answer in full, in Chinese unless --lang en; Markdown for
    mail and wikis, HTML (or PDF) to print. --push records when it was pushed, the period, how
    many articles and by whom (synced to every laptop), and 'svcdesk due' reminds you when the
    next one is due (the policy's [digest] every, 30 days).

    \b
    Example:
      svcdesk kb digest > faq.md
      svcdesk kb digest --push -f html -o faq-2026-10.html
      svcdesk kb digest --since 2026-09-01 --lang en
    """
    from svcdesk.services import digest as service

    if since is not None:
        service.since_instant(since)  # a bad date is said before anything is opened
    if at is not None and not push:
        from svcdesk.errors import InvalidValue

        raise InvalidValue("--at is when a digest was pushed: give it with --push")
    req = report_options.request(fmt, out, lang, template_dir)
    db = get_db()
    if not push:
        done = service.digest(db, req, since=since)
        report_options.emit(done, f"FAQ digest of {done.subject}")
        return
    done, pushed = service.push(db, req, since=since, at=at)
    report_options.emit(done, f"FAQ digest of {done.subject}")
    n = pushed["articles"]
    typer.echo(f"recorded the FAQ digest as pushed at {pushed['at']:%Y-%m-%d %H:%M} by "
               f"{_plain(pushed['pushed_by'])}: {n} article{'s' if n != 1 else ''}, "
               f"{pushed['since']:%Y-%m-%d %H:%M} to {pushed['until']:%Y-%m-%d %H:%M}",
               err=True)  # fmt: skip


def _plain(text: str) -> str:
    """A name as a line on stderr shows it: no terminal escapes."""
    from svcdesk.output import shown

    return shown(text)


@app.command("case")
@renders
def case(
    ticket: str = typer.Argument(..., metavar="TICKET", help="Ticket ref, number or prefix.",
                                 autocompletion=complete.tickets),
    title: str = typer.Option(None, "--title", metavar="TEXT",
                              help="The case's title (default: the ticket's)."),
    tag: list[str] = typer.Option(None, "--tag", metavar="TAG",
                                  help="A tag besides the ticket's category. Repeatable."),
    applies_to: str = _version_option("The upgrade version it applies to."),
    lang: str = report_options.lang_option(),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the draft; save nothing."),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Draft a classic case from a resolved ticket.

    The problem type, cause, method and losses of its incident report become the sections of
    the body (Markdown, in Chinese unless --lang en), with the symptom, the result and the parts
    replaced; the case is linked to the ticket and tagged with its category. It is printed for
    review and saved (--dry-run: printed only); change it with 'svcdesk kb edit'.

    \b
    Example:
      svcdesk kb case 12 --dry-run
      svcdesk kb case KQ7M-12 --tag 叫号机 --applies-to 3.2
    """
    from svcdesk.services import kb

    rec = kb.draft_case(get_db(), ticket, lang=lang, title=title, tags=tag or [],
                        applies_to=applies_to, dry_run=dry_run, at=at)  # fmt: skip
    if dry_run:
        notify("dry run: the draft was not saved ('svcdesk kb case' without --dry-run saves it)")
    else:
        notify(f"saved classic case {rec['ref']} from ticket {rec['tickets'][0]}; review it with "
               f"'svcdesk kb show {rec['ref']}', change it with 'svcdesk kb edit {rec['ref']}'")
    return _article(rec)
