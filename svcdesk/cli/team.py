"""svcdesk team / svcdesk whoami: a team of enrolled engineers (issue 20, first part).

Keys live in the key folder (SVCDESK_KEYS, else the user config folder); the database holds
the team and its members. Operations are not yet signed or verified.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from svcdesk.cli.common import fmt_option, get_db, renders

if TYPE_CHECKING:
    from svcdesk.output import Result

app = typer.Typer(
    help="The team: create one, ask to join, enrol a laptop, join, list the members.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

MEMBER_KEYS = ("engineer", "role", "regions", "key", "enrolled_at", "revoked_at")


def _member_cols(team: bool = False) -> list[Any]:
    from svcdesk.output import Col

    cols = [
        Col("engineer", "ENGINEER"),
        Col("role", "ROLE"),
        Col("regions", "REGIONS"),
        Col("key", "KEY"),
        Col("enrolled_at", "ENROLLED", "instant"),
    ]
    if team:
        cols.append(Col("team", "TEAM"))
    else:
        cols.append(Col("revoked_at", "REVOKED", "instant", drop=1))
    return cols


def _human(rec: dict[str, Any]) -> dict[str, Any]:
    """Regions as people read them (every region when none is named), the key's short form."""
    regions = ", ".join(rec["regions"]) if rec["regions"] else "(all)"
    return {**rec, "regions": regions, "key": rec["key"][:16]}


def _read(path: str, what: str) -> bytes:
    """The bytes of a request or certificate file (`-`: standard input)."""
    import sys

    if path == "-":
        return sys.stdin.buffer.read()
    from svcdesk.errors import NotFound

    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise NotFound(f"{path}: cannot read the {what} ({exc.strerror})") from None


def _check_output(path: str | None) -> None:
    """Refuse an output file whose folder does not exist, before anything is written."""
    if path is not None and path != "-" and not Path(path).resolve().parent.is_dir():
        from svcdesk.errors import NotFound

        raise NotFound(f"-o {path}: no such folder")


def _emit(data: bytes, path: str | None, what: str) -> Result:
    from svcdesk import output

    if path is None or path == "-":
        return output.Result(text=data.decode("utf-8"))
    Path(path).write_bytes(data)
    return output.Result(message=f"wrote the {what} to {path}")


@app.command("init")
@renders
def init(
    name: str = typer.Option(..., "--name", metavar="NAME", help="The team's name."),
    engineer: str = typer.Option(
        None, "--engineer", metavar="NAME",
        help="The manager's name (default: SVCDESK_USER, else the login name).",
    ),
    fmt: str = fmt_option(),
) -> Result:
    """Create a team: the team key (passphrase-protected) in the key folder, and this laptop
    enrolled as its manager.

    \b
    Example:
      SVCDESK_PASSPHRASE=... svcdesk team init --name 华北服务队 --engineer 王强
    """
    from svcdesk import output
    from svcdesk.services import team, tickets

    rec = team.init_team(get_db(), name=name, engineer=engineer or tickets.actor())
    return output.Result(record=rec, fields=_member_cols(team=True), human=_human, brief=True,
                         message=f"team {rec['team']} created; {rec['engineer']} is its "
                         f"manager (key {rec['key'][:16]})")  # fmt: skip


@app.command("request")
@renders
def request(
    out: str = typer.Option(None, "-o", "--output", metavar="FILE",
                            help="Write the request here (default: standard output)."),
) -> Result:
    """This laptop's public key and a request to join a team, for a manager to enrol.

    \b
    Example:
      svcdesk team request -o li-wei.request
    """
    from svcdesk.services import team

    _check_output(out)
    return _emit(team.request(), out, "request")


@app.command("enroll")
@renders
def enroll(
    request_file: str = typer.Argument(..., metavar="REQUEST", help="A laptop's request file "
                                       "(- for standard input)."),
    engineer: str = typer.Option(..., "--engineer", metavar="NAME", help="Who the laptop is."),
    role: str = typer.Option(..., "--role", metavar="ROLE", help="engineer, manager or auditor."),
    region: list[str] = typer.Option(
        None, "--region", metavar="R",
        help="A region whose sites they serve (repeat; an engineer needs one; a manager or "
        "auditor without one serves every region).",
    ),
    out: str = typer.Option(None, "-o", "--output", metavar="FILE",
                            help="Write the certificate here (default: standard output)."),
) -> Result:
    """(manager) Sign a membership certificate for a laptop's request with the team key.

    \b
    Example:
      svcdesk team enroll li.request --engineer 李伟 --role engineer --region 北京 -o li.cert
    """
    from svcdesk.services import team

    _check_output(out)
    raw, _ = team.enroll(get_db(), request_raw=_read(request_file, "request"),
                         label=request_file, engineer=engineer, role=role,
                         regions=list(region or []))  # fmt: skip
    return _emit(raw, out, "certificate")


@app.command("join")
@renders
def join(
    certificate: str = typer.Argument(..., metavar="CERTIFICATE",
                                      help="The certificate a manager signed (- for standard "
                                      "input)."),
    fmt: str = fmt_option(),
) -> Result:
    """(laptop) Install a membership certificate after verifying it, and record the member.

    \b
    Example:
      svcdesk team join li-wei.cert
    """
    from svcdesk import output
    from svcdesk.services import team

    rec = team.join(get_db(), certificate_raw=_read(certificate, "certificate"),
                    label=certificate)  # fmt: skip
    return output.Result(record=rec, fields=_member_cols(team=True), human=_human, brief=True,
                         message=f"joined team {rec['team']} as {rec['engineer']} "
                         f"({rec['role']})")  # fmt: skip


@app.command("list")
@renders
def list_members(
    everyone: bool = typer.Option(False, "--all", help="Revoked members too."),
    fmt: str = fmt_option(),
) -> Result:
    """List the team's members, in the order they were enrolled.

    \b
    Example:
      svcdesk team list -f json
    """
    from svcdesk import output
    from svcdesk.services import team

    rows = team.list_members(get_db(), everyone=everyone)
    if fmt not in ("json", "csv"):
        rows = [_human(r) for r in rows]
    return output.Result(rows=rows, cols=_member_cols(), empty="no members (not in a team)",
                         keys=MEMBER_KEYS)  # fmt: skip


@renders
def whoami(fmt: str = fmt_option()) -> Result:
    """Who this laptop records as: engineer, role, regions, key fingerprint and team.

    \b
    Example:
      svcdesk whoami -f json
    """
    from svcdesk import output
    from svcdesk.services import team

    rec = team.whoami(get_db())
    return output.Result(record=rec, fields=_member_cols(team=True), human=_human)
