"""`chungsuc recompute-indicators [--province CODE]`: rebuild the household indicator facts
of every commune (or of one province's communes) from the records, with a progress bar."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from server.extensions import db
from server.models import AdminUnit
from server.services import indicators_facts


def _communes(province: str | None) -> list[str]:
    communes = list(
        db.session.scalars(
            select(AdminUnit).where(AdminUnit.level == "commune").order_by(AdminUnit.code)
        )
    )
    if province is None:
        return [c.code for c in communes]
    return [c.code for c in communes if c.province_code() == province]


@click.command("recompute-indicators")
@click.option("--province", default=None, help="Mã tỉnh / province code (default: all).")
@with_appcontext
def recompute_indicators(province: str | None) -> None:
    """Tính lại chỉ tiêu từ bản ghi · Recompute indicator facts from the records."""
    codes = _communes(province)
    if province is not None and not codes:
        raise click.UsageError(f"Không có xã nào thuộc tỉnh {province} / no commune in it")
    written = 0
    with click.progressbar(codes, label="Tính lại chỉ tiêu / recomputing") as bar:
        for code in bar:
            written += indicators_facts.recompute(code)
            db.session.commit()  # one commune per transaction
    click.echo(f"{len(codes)} xã / communes, {written} dòng / fact rows")
