"""`chungsuc import-boundaries` and `chungsuc integrity-recompute`: village and commune
polygons from GeoJSON with a report, and the integrity flags rebuilt from the records."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from server.extensions import db
from server.models import AdminUnit


@click.command("import-boundaries")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--level",
    type=click.Choice(["village", "commune"]),
    default="village",
    show_default=True,
    help="Cấp đơn vị / unit level of the features.",
)
@click.option(
    "--code-property",
    default=None,
    help="Thuộc tính chứa mã đơn vị / property holding the unit code"
    " (default: code, ma, ma_don_vi, unit_code).",
)
@click.option("--source", default=None, help="Nguồn ghi kèm / source note stored with it.")
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra, không ghi / check only.")
@with_appcontext
def import_boundaries_cmd(path, level, code_property, source, dry_run) -> None:
    """Nhập ranh giới thôn/xã từ GeoJSON · Import village or commune boundaries."""
    from server.services import boundaries, integrity
    from server.services.push import lock_scope

    try:
        report = boundaries.import_file(
            path, level, code_property=code_property, source=source, dry_run=dry_run
        )
    except boundaries.BoundaryFileError as exc:
        raise click.ClickException(f"{exc.message} / {exc.message_en}") from None
    for line in report.lines():
        click.echo(line)
    if dry_run:
        click.echo("Chạy thử: chưa ghi gì / dry run: nothing written")
    elif report.communes:
        for code in sorted(c for c in report.communes if c):
            lock_scope(code)
            outcome = integrity.recompute_commune(code)
            db.session.commit()
            click.echo(
                f"Cảnh báo / flags {code}: +{outcome.opened} mở / opened,"
                f" {outcome.closed} đóng / closed"
            )
    if not report.of("imported") and not report.of("repaired"):
        raise click.ClickException("Không nhập được vùng nào / nothing was imported")


@click.command("integrity-recompute")
@click.option("--commune", "communes", multiple=True, help="Mã xã / commune code (repeatable).")
@with_appcontext
def integrity_recompute_cmd(communes) -> None:
    """Tính lại cảnh báo minh chứng · Recompute the integrity flags (all communes by default)."""
    from server.services import integrity
    from server.services.push import lock_scope

    codes = list(communes) or list(
        db.session.scalars(
            select(AdminUnit.code).where(AdminUnit.level == "commune").order_by(AdminUnit.code)
        )
    )
    opened = closed = 0
    with click.progressbar(codes, label="Tính lại / recomputing") as bar:
        for code in bar:
            unit = db.session.get(AdminUnit, code)
            if unit is None or unit.level != "commune":
                raise click.UsageError(f"Không có xã {code} / no commune {code}")
            lock_scope(code)
            outcome = integrity.recompute_commune(code)
            db.session.commit()  # one commune per transaction
            opened, closed = opened + outcome.opened, closed + outcome.closed
    click.echo(f"{len(codes)} xã / communes: +{opened} mở / opened, {closed} đóng / closed")
