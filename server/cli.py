"""The `chungsuc` command: Flask's CLI group with the product's own commands."""

from __future__ import annotations

import os
import sys
from hashlib import sha256
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from server.extensions import db


def _create_app():
    from server import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Chung Sức server: sync, evidence and review for New Rural Development communes."""


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")


@click.command("demo-data")
@with_appcontext
def demo_data() -> None:
    """Load the demo commune (Xã Nà Phặc) with villages, households and records."""
    from server import demo

    added = demo.load()
    click.echo(f"Demo data ready ({added['records']} records added).")
    from server.services.worker import Worker

    processed = Worker(current_app._get_current_object()).run_until_idle()
    click.echo(f"Background jobs run (photo thumbnails and hashes): {processed}.")
    _print_logins()


def _print_logins() -> None:
    from server import demo

    click.echo(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for username, display, _role, _area in demo.DEMO_USERS:
        click.echo(f"  {username:16} {display}")
    click.echo(f"Enrol a tablet: chungsuc enroll-device --commune {demo.COMMUNE}")


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--name", "display_name", default="")
@click.option(
    "--role",
    type=click.Choice(["board", "sync_admin", "province_officer", "officer", "sysadmin"]),
    required=True,
)
@click.option("--area", "area_code", default=None, help="commune code, or province code")
@click.password_option()
@with_appcontext
def create_user(username, display_name, role, area_code, password) -> None:
    """Create a web user."""
    from server.models import AdminUnit, User

    if db.session.scalar(select(User).where(User.username == username)):
        raise click.ClickException(f"user {username} already exists")
    if role != "sysadmin":
        unit = db.session.get(AdminUnit, area_code or "")
        wanted = "commune" if role in ("board", "officer") else "province"
        if unit is None or unit.level != wanted:
            raise click.ClickException(f"--area must be a {wanted} code for role {role}")
    user = User(
        username=username, display_name=display_name or username, role=role, area_code=area_code
    )
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {role} {username}")


@click.command("enroll-device")
@click.option("--commune", "commune_code", required=True, help="official commune code")
@click.option("--officer", default="", help="name of the officer who will use the tablet")
@click.option("--hours", default=72, show_default=True, help="how long the code stays valid")
@with_appcontext
def enroll_device(commune_code, officer, hours) -> None:
    """Print a one-time code that enrols a tablet for a commune."""
    from server.services import enrolment

    try:
        record, code = enrolment.create(commune_code, officer, "cli", hours)
    except enrolment.EnrolmentError as exc:
        raise click.ClickException(exc.message_en) from None
    click.echo(f"Enrolment code: {code}")
    click.echo(
        f"Valid until {record.expires_at:%Y-%m-%d %H:%M} UTC, once, for commune {commune_code}."
    )


@click.command("import-bundle")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_bundle_cmd(path) -> None:
    """Import a tablet's sync bundle (a file carried from a place with no signal)."""
    from server.services.bundles import import_bundle
    from server.services.push import BatchInvalid
    from sync.bundle import BundleError

    try:
        report = import_bundle(path, "cli")
    except BundleError as exc:
        raise click.ClickException(f"{exc.message} ({exc.message_en})") from None
    except BatchInvalid as exc:
        lines = [f"  #{e['index']} {e['field']}: {e['message_en']}" for e in exc.errors[:20]]
        message = "invalid records, nothing imported:\n" + "\n".join(lines)
        raise click.ClickException(message) from None
    click.echo(
        f"Imported bundle of device {report.device_id} (commune {report.commune_code}): "
        f"{report.applied} applied, {report.replayed} already there, "
        f"{report.conflicts} conflicts, {report.photos_added} new photos."
    )


@click.command("simulate")
@click.option("--server", "server_url", required=True, help="base URL of a running server")
@click.option("--devices", default=3, show_default=True)
@click.option("--commune", default="01936", show_default=True)
@click.option("--rounds", default=3, show_default=True, help="offline work rounds, each synced")
@click.option("--households", default=5, show_default=True, help="new households per round")
@click.option("--contributions", default=10, show_default=True, help="per round")
@click.option("--checks", default=5, show_default=True, help="environment checks per round")
@click.option("--photo-kb", default=0, show_default=True, help="photo size; 0 for no photos")
@click.option("--lose-request", default=0.0, help="probability a request is lost")
@click.option("--lose-answer", default=0.0, help="probability an answer is lost after the act")
@click.option("--seed", default=1, show_default=True)
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path), default=None)
@with_appcontext
def simulate(
    server_url,
    devices,
    commune,
    rounds,
    households,
    contributions,
    checks,
    photo_kb,
    lose_request,
    lose_answer,
    seed,
    workdir,
) -> None:
    """Run N simulated tablets (the app's sync code, no Kivy) against a server, then check
    that every record they made is on the server exactly once. Run it where the server's
    database is reachable: it creates the enrolment codes there."""
    import tempfile

    from server.models import Record
    from server.services import enrolment
    from sync import simulator

    codes = [
        enrolment.create(commune, f"simulated {i + 1}", "simulate", 2)[1] for i in range(devices)
    ]
    workdir = workdir or Path(tempfile.mkdtemp(prefix="chungsuc-sim-"))
    faults = simulator.Faults(lose_request, lose_answer, seed)
    results = simulator.run(
        server_url,
        codes,
        workdir,
        rounds,
        households,
        contributions,
        checks,
        photo_kb,
        faults,
        seed,
        log=click.echo,
    )
    created = [u for r in results for u in r.created]
    db.session.expire_all()
    found = 0
    for start in range(0, len(created), 500):
        chunk = created[start : start + 500]
        found += db.session.scalar(
            select(db.func.count()).select_from(Record).where(Record.uuid.in_(chunk))
        )
    errors = [f"{r.name}: {r.error}" for r in results if r.error]
    click.echo(
        f"{len(created)} records made on {devices} devices, {found} on the server; "
        f"{sum(r.photos for r in results)} photos; {sum(r.conflicts for r in results)} conflicts; "
        f"{sum(r.failed_syncs for r in results)} failed syncs retried."
    )
    if errors or found != len(created):
        raise click.ClickException("; ".join(errors) or "records missing on the server")


@click.command("import-units")
@with_appcontext
def import_units_cmd() -> None:
    """Load the official provinces and communes (2025 list)."""
    from server.services.units import import_units

    click.echo(f"{import_units()} units added.")


@click.command("worker")
@click.option("--until-idle", is_flag=True, help="run the jobs that are due, then exit")
@click.option("--poll", default=1.0, show_default=True, help="seconds between looks when idle")
@click.option("--parent", type=int, default=None, hidden=True, help="exit when this pid is gone")
@click.option("--lease", default=300, show_default=True, help="seconds a job is held")
def worker_cmd(until_idle, poll, parent, lease) -> None:
    """Run background jobs (photo thumbnails, hashes, checks) until stopped (SIGTERM/Ctrl-C)."""
    import datetime as dt
    import logging

    from server import create_app
    from server.services.worker import Worker, parent_alive, stop_on_signals

    logging.basicConfig(level=logging.INFO, format="%(asctime)s [job-worker] %(message)s")
    worker = Worker(
        create_app(),
        poll_seconds=poll,
        lease=dt.timedelta(seconds=lease),
        keep_running=parent_alive(parent),
        # Fault injection for the crash tests only: hold each job this long before running it.
        fault_delay=float(os.environ.get("CHUNGSUC_FAULT_JOB_DELAY", 0)),
    )
    stop_on_signals(worker)
    if until_idle:
        click.echo(f"{worker.run_until_idle()} jobs run.")
        return
    click.echo(f"Job worker {worker.name} running.")
    done = worker.run()
    click.echo(f"Job worker {worker.name} stopped after {done} jobs.")


@click.command("serve")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"))
@click.option("--port", default=lambda: int(os.environ.get("PORT", 5000)), type=int)
@click.option("--workers", default=2, show_default=True)
@click.option(
    "--job-worker/--no-job-worker",
    default=lambda: os.environ.get("CHUNGSUC_SERVE_JOB_WORKER", "1") != "0",
    help="also run the background job worker (off when `chungsuc worker` runs elsewhere)",
)
def serve(host, port, workers, job_worker) -> None:
    """Serve the app with gunicorn (the same server as in production)."""
    from gunicorn.app.base import BaseApplication

    from server import create_app

    # Rate-limit counters shared by the workers (server/security_storage.py), not per process;
    # one file per database, so two installations on one machine never share counters.
    database = sha256(os.environ.get("DATABASE_URL", "default").encode()).hexdigest()[:12]
    os.environ.setdefault("RATELIMIT_STORAGE_URI", f"sqlite-file://ratelimits-{database}.sqlite3")
    app = create_app()
    click.echo(f"Chung Sức is running at http://{host}:{port}/")
    with app.app_context():
        from server.models import User

        if db.session.scalar(select(User.id).where(User.username == "bql_naphac")):
            _print_logins()
        db.session.remove()
        # Workers are forked from this process: a pooled connection opened here would be
        # shared by all of them and corrupt each other's conversations with the database.
        db.engine.dispose()

    def post_fork(_server, _worker):
        with app.app_context():
            db.engine.dispose(close=False)

    from server.services.worker import ChildWorker

    # Jobs run in a child process beside gunicorn, so a push returns before the photo work.
    child = ChildWorker() if job_worker else None

    def when_ready(_server):
        if child is not None:
            child.start()

    def on_exit(_server):
        if child is not None:
            child.stop()

    class _Gunicorn(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")
            self.cfg.set("post_fork", post_fork)
            self.cfg.set("when_ready", when_ready)
            self.cfg.set("on_exit", on_exit)

        def load(self):
            return app

    sys.argv = sys.argv[:1]  # gunicorn parses argv itself
    _Gunicorn().run()


def init_app(app) -> None:
    for command in (
        init_db,
        demo_data,
        create_user,
        enroll_device,
        import_bundle_cmd,
        import_units_cmd,
        simulate,
        worker_cmd,
        serve,
    ):
        app.cli.add_command(command)
    from server.cli_indicators import recompute_indicators

    app.cli.add_command(recompute_indicators)
    from server.cli_integrity import import_boundaries_cmd, integrity_recompute_cmd

    app.cli.add_command(import_boundaries_cmd)
    app.cli.add_command(integrity_recompute_cmd)
