"""svcdesk asset: the equipment at customer sites, its serial numbers and warranty dates."""

from __future__ import annotations

from typing import Any

import typer

from svcdesk.cli.common import at_option, fmt_option, get_db, note, progress

app = typer.Typer(
    help="Equipment at customer sites, with warranty dates.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

ASSET_ARG = typer.Argument(
    ..., metavar="ASSET", help="Asset ref (KQ7M-A3), its number (3), or a unique prefix."
)


def _kinds() -> list[str]:
    from svcdesk.services.assets import ASSET_KINDS

    return list(ASSET_KINDS)


def _kind_option(default: Any, help: str) -> Any:
    return typer.Option(default, "--kind", help=help, autocompletion=_kinds)


def _date_option(flag: str, help: str) -> Any:
    return typer.Option(None, flag, metavar="DATE", help=help)


def _list_cols() -> list[Any]:
    from svcdesk.output import Col

    return [
        Col("ref", "REF"),
        Col("site", "SITE"),
        Col("kind", "KIND"),
        Col("serial", "SERIAL"),
        Col("model", "MODEL"),
        Col("installed_on", "INSTALLED"),
        Col("warranty_until", "WARRANTY UNTIL"),
        Col("notes", "NOTES"),
    ]


def _show_fields() -> list[Any]:
    from svcdesk.output import Col

    return [
        Col("ref", "Asset"),
        Col("site", "Site"),
        Col("kind", "Kind"),
        Col("serial", "Serial"),
        Col("model", "Model"),
        Col("installed_on", "Installed"),
        Col("warranty_until", "Warranty until"),
        Col("notes", "Notes"),
        Col("created_at", "Added", "instant"),
        Col("updated_at", "Changed", "instant"),
        Col("id", "Id"),
    ]


def _emit(rec: dict[str, Any], fmt: str | None) -> None:
    from svcdesk import output

    output.render_record(rec, _show_fields(), fmt)


@app.command("add")
def add(
    site: str = typer.Option(..., "--site", help="Site code (or a unique prefix)."),
    kind: str = _kind_option(
        ..., "What it is: a kind of the policy's [warranty] kinds (server, monitor, dvr, ...)."
    ),
    serial: str = typer.Option(..., "--serial", help="Serial number (unique at the site)."),
    model: str = typer.Option(None, "--model", help="Make and model."),
    installed: str = _date_option("--installed", "Installation date, YYYY-MM-DD."),
    warranty_until: str = _date_option("--warranty-until", "Last day of the warranty, YYYY-MM-DD."),
    notes: str = typer.Option(None, "--notes", help="Where it stands, what it serves."),
    fmt: str = fmt_option(),
) -> None:
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
    _emit(rec, fmt)


@app.command("list")
def list_(
    site: str = typer.Option(None, "--site", help="Only this site."),
    kind: str = _kind_option(None, "Only this kind (a unique prefix will do)."),
    removed: bool = typer.Option(False, "--removed", help="Include removed assets."),
    fmt: str = fmt_option(),
) -> None:
    """List assets by site, kind and serial number.

    \b
    Example:
      svcdesk asset list --site BJ-HD --kind led -f csv > led-screens.csv
    """
    from svcdesk import output
    from svcdesk.services import assets

    rows = assets.list_assets(get_db(), site=site, kind=kind, removed=removed)
    output.render_list(rows, _list_cols(), fmt, empty="no assets match")


@app.command("show")
def show(asset: str = ASSET_ARG, fmt: str = fmt_option()) -> None:
    """Show one asset.

    \b
    Example:
      svcdesk asset show 3 -f json
    """
    from svcdesk.services import assets

    _emit(assets.show_asset(get_db(), asset), fmt)


@app.command("edit")
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
) -> None:
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
        notify=note,
    )
    _emit(rec, fmt)


@app.command("remove")
def remove(
    asset: str = typer.Argument(..., metavar="ASSET", help="Asset ref or a unique prefix."),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> None:
    """Retire an asset: it leaves lists and new tickets; tickets that name it keep it.

    \b
    Example:
      svcdesk asset remove KQ7M-A3
    """
    from svcdesk.services import assets

    _emit(assets.remove_asset(get_db(), asset, at=at), fmt)


@app.command("import")
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
) -> None:
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
    from svcdesk.services import assets

    with progress("importing assets") as update:
        result = assets.import_assets(
            get_db(),
            file,
            site=site,
            dry_run=dry_run,
            encoding=encoding,
            progress=update,
            notify=note,
        )
    if fmt:
        from svcdesk import output
        from svcdesk.output import Col

        fields = [
            Col("file", "File"),
            Col("rows", "Rows", "count"),
            Col("added", "Added", "count"),
            Col("updated", "Updated", "count"),
            Col("unchanged", "Unchanged", "count"),
            Col("dry_run", "Dry run"),
        ]
        output.render_record(result, fields, fmt)
    else:
        counts = (
            f"{result['added']} added, {result['updated']} updated, {result['unchanged']} unchanged"
        )
        if dry_run:
            note(
                f"{file}: all {result['rows']} rows are valid; importing it would give "
                f"{counts}; nothing was written (--dry-run)"
            )
        else:
            note(f"imported {file}: {counts}")
