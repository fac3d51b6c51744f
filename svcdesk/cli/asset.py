"""svcdesk asset: the equipment at customer sites, its serial numbers and warranty dates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from svcdesk.cli import complete
from svcdesk.cli.common import at_option, fmt_option, get_db, notify, progress, renders

if TYPE_CHECKING:
    from svcdesk.output import Result

app = typer.Typer(
    help="Equipment at customer sites, with warranty dates.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

ASSET_ARG = typer.Argument(
    ...,
    metavar="ASSET",
    help="Asset ref (KQ7M-A3), here also A3 or 3, its serial number (any case, spaces aside), "
    "or a unique prefix.",
    autocompletion=complete.assets,
)


def _kinds() -> list[str]:
    from svcdesk.services.assets import ASSET_KINDS

    return list(ASSET_KINDS)


def _kind_option(default: Any, help: str) -> Any:
    return typer.Option(default, "--kind", help=help, autocompletion=_kinds)


def _date_option(flag: str, help: str) -> Any:
    return typer.Option(None, flag, metavar="DATE", help=help)


def _asset(rec: dict[str, Any]) -> Result:
    from svcdesk import output
    from svcdesk.cli import views

    return output.Result(record=rec, fields=views.ASSET_FIELDS)


@app.command("add")
@renders
def add(
    site: str = typer.Option(
        ..., "--site", help="Site code (or a unique prefix).", autocompletion=complete.sites
    ),
    kind: str = _kind_option(
        ..., "What it is: a kind of the policy's [warranty] kinds (server, monitor, dvr, ...)."
    ),
    serial: str = typer.Option(..., "--serial", help="Serial number (unique at the site)."),
    model: str = typer.Option(None, "--model", help="Make and model."),
    installed: str = _date_option("--installed", "Installation date, YYYY-MM-DD."),
    warranty_until: str = _date_option("--warranty-until", "Last day of the warranty, YYYY-MM-DD."),
    notes: str = typer.Option(None, "--notes", help="Where it stands, what it serves."),
    fmt: str = fmt_option(),
) -> Result:
    """Register a piece of equipment at a site.

    \b
    Example:
      svcdesk asset add --site BJ-HD --kind queue-machine --serial QM-2291-0042 \\
        --model "Hisense QM-900" --installed 2023-05-10 --warranty-until 2026-05-09
    """
    from svcdesk.services import assets

    rec = assets.add_asset(
        get_db(),
        site=site,
        kind=kind,
        serial=serial,
        model=model,
        installed_on=installed,
        warranty_until=warranty_until,
        notes=notes,
    )
    return _asset(rec)


@app.command("list")
@renders
def list_(
    site: str = typer.Option(None, "--site", help="Only this site.", autocompletion=complete.sites),
    kind: str = _kind_option(None, "Only this kind (a unique prefix will do)."),
    removed: bool = typer.Option(False, "--removed", help="Include removed assets."),
    fmt: str = fmt_option(),
) -> Result:
    """List assets by site, kind and serial number.

    \b
    Example:
      svcdesk asset list --site BJ-HD --kind led -f csv > led-screens.csv
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import assets

    rows = assets.list_assets(get_db(), site=site, kind=kind, removed=removed)
    return output.Result(rows=rows, cols=views.ASSET_COLS, empty="no assets match")


@app.command("show")
@renders
def show(asset: str = ASSET_ARG, fmt: str = fmt_option()) -> Result:
    """Show one asset.

    \b
    Example:
      svcdesk asset show 3 -f json
    """
    from svcdesk.services import assets

    return _asset(assets.show_asset(get_db(), asset))


@app.command("edit")
@renders
def edit(
    asset: str = ASSET_ARG,
    model: str = typer.Option(None, "--model", help='Make and model ("" clears it).'),
    installed: str = _date_option("--installed", 'Installation date, YYYY-MM-DD ("" clears it).'),
    warranty_until: str = _date_option(
        "--warranty-until", 'Last day of the warranty, YYYY-MM-DD ("" clears it).'
    ),
    notes: str = typer.Option(None, "--notes", help='Notes ("" clears them).'),
    kind: str = _kind_option(None, "What it is."),
    serial: str = typer.Option(None, "--serial", help="Serial number (unique at the site)."),
    fmt: str = fmt_option(),
) -> Result:
    """Change what is given of an asset; everything else, and its ref, stay as they are.

    \b
    Example:
      svcdesk asset edit 3 --warranty-until 2027-05-09 --notes "Extended with the 2026 renewal"
    """
    from svcdesk.services import assets

    rec = assets.edit_asset(
        get_db(),
        asset,
        kind=kind,
        serial=serial,
        model=model,
        installed_on=installed,
        warranty_until=warranty_until,
        notes=notes,
        notify=notify,
    )
    return _asset(rec)


@app.command("merge")
@renders
def merge(
    asset: str = typer.Argument(..., metavar="ASSET", help="The duplicate record (ref)."),
    into: str = typer.Argument(..., metavar="INTO_ASSET", help="The record to keep (ref)."),
    fmt: str = fmt_option(),
) -> Result:
    """Join two records of one device: ASSET's tickets move to INTO_ASSET; its ref still works.

    \b
    Example:
      svcdesk asset merge KQ7M-A3 P2XD-A7
    """
    from svcdesk.services import assets

    return _asset(assets.merge_assets(get_db(), asset, into))


@app.command("remove")
@renders
def remove(
    asset: str = ASSET_ARG,
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Retire an asset: it leaves lists and new tickets; tickets that name it keep it.

    \b
    Example:
      svcdesk asset remove KQ7M-A3
    """
    from svcdesk.services import assets

    return _asset(assets.remove_asset(get_db(), asset, at=at))


@app.command("import")
@renders
def import_(
    file: str = typer.Argument(..., metavar="FILE.csv", help="The CSV file to read."),
    site: str = typer.Option(None, "--site", help="The site of rows without one."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Check the file and count what would change; write nothing."
    ),
    encoding: str = typer.Option(
        None,
        "--encoding",
        metavar="ENC",
        help="The file's encoding (default: UTF-8; a GB18030/GBK file is recognised).",
    ),
    fmt: str = fmt_option(),
) -> Result:
    """Add or update assets from a CSV file: every row is valid, or nothing is written.

    The header names the columns: site, kind, serial, model, installed_on, warranty_until,
    notes (also installed, warranty_end, warranty, serial_number, ...; any case). A row whose
    serial is already registered at its site updates that asset (an empty cell clears the
    field; a column the file leaves out is left alone); one with the same values changes
    nothing, so a file can be imported again after it was edited. Bad rows are listed as
    FILE:LINE: reason.

    \b
    Example:
      svcdesk asset import hall-equipment.csv --site BJ-HD --dry-run
      svcdesk asset import hall-equipment.csv --site BJ-HD
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import asset_import

    with progress("importing assets") as update:
        result = asset_import.import_assets(
            get_db(),
            file,
            site=site,
            dry_run=dry_run,
            encoding=encoding,
            progress=update,
            notify=notify,
        )
    counts = (
        f"{result['added']} added, {result['updated']} updated, {result['unchanged']} unchanged"
    )
    if dry_run:
        message = (
            f"{file}: all {result['rows']} rows are valid; importing it would give "
            f"{counts}; nothing was written (--dry-run)"
        )
    else:
        message = f"imported {file}: {counts}"
    return output.Result(record=result, fields=views.IMPORT_FIELDS, message=message, brief=True)
