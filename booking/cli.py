"""The ``booking`` command: migrations, demo data, holidays, checks and the API server.

Each command is an entry point: it builds the settings, opens one transaction, calls the domain, commits.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from booking.settings import Settings


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """Antrian: appointment booking for Mal Pelayanan Publik."""
    ctx.obj = Settings()


@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@click.argument("revision", default="head")
@click.pass_obj
def db_upgrade(settings: Settings, revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    from booking.migrate import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url, revision)
    click.echo(f"database at {revision}")


@db.command("downgrade")
@click.argument("revision")
@click.pass_obj
def db_downgrade(settings: Settings, revision: str) -> None:
    """Migrate the database back to REVISION ('base' removes every table)."""
    from booking.migrate import downgrade

    downgrade(settings.resolved_database_url, revision)
    click.echo(f"database at {revision}")


@db.command("check")
@click.pass_obj
def db_check(settings: Settings) -> None:
    """Check the capacity invariants: no place over capacity, every counter equal to its bookings."""
    from booking.invariants import capacity_violations

    with _database(settings).read() as session:
        problems = capacity_violations(session)
    for problem in problems:
        click.echo(problem, err=True)
    click.echo(f"{len(problems)} capacity problems")
    sys.exit(1 if problems else 0)


@main.group()
def demo() -> None:
    """Demo data."""


@demo.command("load")
@click.pass_obj
def demo_load(settings: Settings) -> None:
    """Load MPP Blora (31 agencies, 271 services), a small WITA site and national holidays. Idempotent."""
    from booking.demo import load_demo
    from booking.demo.accounts import DEMO_PASSWORD, load_demo_accounts
    from booking.production import demo_load_refusal

    with _database(settings).write() as session:
        refusal = demo_load_refusal(settings, session)
        if refusal:
            raise click.ClickException(f"demo data not loaded: {refusal}")
        added = load_demo(session, dt.date.today())
        added["staff accounts"] = load_demo_accounts(session, dt.datetime.now(dt.UTC))
    click.echo("demo data: " + ", ".join(f"{count} {what} added" for what, count in added.items()))
    click.echo(f"demo staff: admin-blora, petugas-dukcapil (password {DEMO_PASSWORD}; demo only)")


@main.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_obj
def import_folder(settings: Settings, folder: Path) -> None:
    """Set up or update an MPP from the CSV files in FOLDER (see samples/import/README.md); all or nothing."""
    from booking.importer import ImportRejected, import_site

    try:
        with _database(settings).write() as session:
            summary = import_site(session, folder)
    except ImportRejected as rejected:
        for problem in rejected.errors:
            click.echo(str(problem), err=True)
        click.echo(f"nothing imported: {len(rejected.errors)} problems", err=True)
        sys.exit(1)
    click.echo(f"site {summary.site} imported")
    for line in summary.lines():
        click.echo(f"  {line}")


@main.command("backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def backup(settings: Settings, folder: Path) -> None:
    """Back up the database into FOLDER, with a manifest naming the secret key's fingerprint (not the key)."""
    from booking.backup import BackupFailed, make_backup

    try:
        made = make_backup(
            settings.resolved_database_url, settings.resolved_secret_key, folder, dt.datetime.now(dt.UTC)
        )
    except BackupFailed as failed:
        raise click.ClickException(str(failed)) from None
    click.echo(f"backup written: {made} (keep BOOKING_SECRET_KEY apart from it: the backup needs it to be restored)")


@main.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def restore(settings: Settings, backup_file: Path) -> None:
    """Restore a backup into an empty database; refused unless BOOKING_SECRET_KEY is the backup's key."""
    from booking.backup import BackupFailed, restore_backup

    try:
        manifest = restore_backup(settings.resolved_database_url, settings.resolved_secret_key, backup_file)
    except BackupFailed as failed:
        raise click.ClickException(str(failed)) from None
    click.echo(
        f"restored {backup_file} (made {manifest.made_at}, {manifest.bookings} bookings, schema {manifest.revision}); "
        "run `booking db upgrade` before starting a newer version"
    )


@main.group()
def holidays() -> None:
    """National holidays."""


@holidays.command("load")
@click.option("--year", "years", type=int, multiple=True, help="Year to load (repeatable); default this and next.")
@click.option("--force", is_flag=True, help="Also close days citizens booked, cancelling them with a notice.")
@click.pass_obj
def holidays_load(settings: Settings, years: tuple[int, ...], force: bool) -> None:
    """Bring Indonesian national holidays and cuti bersama up to date as closures (beat does it daily). Idempotent."""
    from booking.holidays import sync_national_holidays, years_ahead

    now = dt.datetime.now(dt.UTC)
    with _database(settings).write() as session:
        result = sync_national_holidays(session, list(years) or years_ahead(now.date()), now=now, force=force)
    for line in result.lines():
        click.echo(line)


@main.command("serve")
@click.option("--workers", default=1, show_default=True, help="API server processes.")
@click.pass_obj
def serve(settings: Settings, workers: int) -> None:
    """Run the HTTP API (and OpenAPI at /schema) on BOOKING_HOST:BOOKING_PORT; stops on Ctrl-C or SIGTERM."""
    import uvicorn

    _refuse_demo_settings_in_production(settings)
    if not settings.resolved_secret_key:  # made once here, before several server processes could race for it
        raise click.ClickException("the secret key is empty")
    click.echo(f"Antrian on {settings.resolved_public_url} (API docs at /schema)")
    uvicorn.run(
        "booking.http.app:app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level=settings.log_level.lower(),
        # X-Forwarded-For names the citizen only when a proxy we trust sent it: anyone else could rotate it
        # to escape the per-client rate limit (uvicorn would otherwise trust 127.0.0.1 by default)
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or None,
        timeout_graceful_shutdown=10,
    )


@main.command("worker")
@click.option("--concurrency", default=2, show_default=True, help="Parallel senders in this worker.")
@click.option("--beat", is_flag=True, help="Also run beat inside this worker (the embedded default).")
@click.pass_obj
def worker(settings: Settings, concurrency: int, beat: bool) -> None:
    """Run a Celery worker that sends notifications (and, with --beat, the periodic sweep)."""
    from notifications.delivery import check_success_rule, check_url_template
    from workers.app import run_command

    _refuse_demo_settings_in_production(settings)
    for channel in ("sms", "email", "whatsapp"):  # a wrong gateway URL stops the worker now, not at 3 a.m.
        try:
            check_url_template(channel, settings.notify_url(channel))
        except ValueError as problem:
            raise click.ClickException(f"BOOKING_NOTIFY_{channel.upper()}_URL: {problem}") from None
        try:
            check_success_rule(channel, settings.notify_url(channel), settings.notify_success(channel))
        except ValueError as problem:
            raise click.ClickException(f"BOOKING_NOTIFY_{channel.upper()}_SUCCESS: {problem}") from None

    argv = ["worker", f"--loglevel={settings.log_level}", f"--concurrency={concurrency}", "--pool=threads"]
    # Beat as a thread of the worker, not Celery's forked process: it cannot outlive the worker.
    sys.exit(run_command(argv + (["--beat-thread"] if beat else [])))  # non-zero after a crash: restart it


@main.command("beat")
@click.pass_obj
def beat(settings: Settings) -> None:
    """Run Celery beat: one per deployment (a second waits for the beat lock); it sweeps due notifications."""
    import logging
    import os
    import signal

    from workers.app import run_command
    from workers.beat import BeatLock

    _refuse_demo_settings_in_production(settings)
    logging.basicConfig(level=settings.log_level, format="[%(asctime)s: %(levelname)s/%(processName)s] %(message)s")
    lock = BeatLock(settings.resolved_database_url)
    try:
        lock.acquire()
    except KeyboardInterrupt:  # Ctrl-C while waiting: nothing was started
        sys.exit(0)
    lock.watch(lambda: os.kill(os.getpid(), signal.SIGTERM))  # beat saves its schedule and exits: restart it
    sys.exit(run_command(["beat", f"--loglevel={settings.log_level}"]))


@main.command("run")
@click.pass_obj
def run(settings: Settings) -> None:
    """The embedded default in one command: the API, a worker and beat, as one unit.

    Ctrl-C or SIGTERM stops all three; when one of them ends, the others are stopped and ``booking run``
    exits non-zero; when ``booking run`` itself is killed, the kernel stops its children.
    """
    from booking.supervisor import run_together

    _refuse_demo_settings_in_production(settings)
    if not settings.resolved_secret_key:
        raise click.ClickException("the secret key is empty")
    click.echo(f"Antrian on {settings.resolved_public_url}; messages are written to {settings.notify_url('sms')}")
    me = sys.argv[0]
    sys.exit(run_together({"api": [me, "serve"], "worker": [me, "worker"], "beat": [me, "beat"]}))


@main.group()
def notifications() -> None:
    """The notification outbox, for operators."""


@notifications.command("list")
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "failed", "cancelled"]))
@click.option("--limit", default=50, show_default=True)
@click.pass_obj
def notifications_list(settings: Settings, status: str | None, limit: int) -> None:
    """List notifications, newest first: id, status, kind, channel, booking code, attempts, last error."""
    from booking.outbox import list_notifications

    with _database(settings).read() as session:
        for row, code in list_notifications(session, status=status, limit=limit):
            click.echo(
                f"{row.id}\t{row.status}\t{row.kind}\t{row.channel}\t{code}\t"
                f"attempts={row.attempts}\t{row.send_at:%Y-%m-%d %H:%M}Z\t{row.last_error or ''}"
            )


@notifications.command("retry")
@click.argument("notification_id", type=int)
@click.pass_obj
def notifications_retry(settings: Settings, notification_id: int) -> None:
    """Send a failed notification again, now (with a fresh count of attempts)."""
    from booking.outbox import retry_failed

    with _database(settings).write() as session:
        if not retry_failed(session, notification_id, dt.datetime.now(dt.UTC)):
            raise click.ClickException(f"notification {notification_id} is not a failed one")
    click.echo(f"notification {notification_id} will be sent again")


@main.group()
def staff() -> None:
    """Staff accounts (clerks, site administrators and assisted-booking partners)."""


@staff.command("create")
@click.option("--username", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="Asked for if left out.")
@click.option("--role", type=click.Choice(["admin", "staff", "partner"]), required=True)
@click.option("--agency", help="The agency's slug (staff only).")
@click.option("--site", help="The site's slug; may be left out when there is only one site.")
@click.pass_obj
def staff_create(settings: Settings, username: str, password: str, role: str, agency: str | None, site: str | None):
    """Create a staff account: an admin runs a whole site, staff work for one agency, a partner (a kantor desa)
    books for citizens at one site through the API and does nothing else."""
    from booking.staff import create_staff

    with _database(settings).write() as session:
        user = _or_explain(
            lambda: create_staff(
                session,
                username=username,
                password=password,
                role=role,
                site_slug=site or _only_site(session),
                agency_slug=agency,
                now=dt.datetime.now(dt.UTC),
            )
        )
        click.echo(f"{user.role} {user.username} created")


@staff.command("passwd")
@click.option("--username", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="Asked for if left out.")
@click.pass_obj
def staff_passwd(settings: Settings, username: str, password: str) -> None:
    """Set a new password; every token issued before stops working and any lock is lifted."""
    from booking.staff import change_password

    with _database(settings).write() as session:
        _or_explain(lambda: change_password(session, username, password, now=dt.datetime.now(dt.UTC)))
    click.echo(f"password of {username} changed")


def _refuse_demo_settings_in_production(settings: Settings) -> None:
    """BOOKING_ENVIRONMENT=production: stop here, saying what to change, if anything is only fit for a demo."""
    from booking.production import refusals

    if settings.environment != "production":
        return
    database = _database(settings)
    try:
        problems = refusals(settings, database)
    finally:
        database.dispose()  # the processes about to start open their own
    if problems:
        raise click.ClickException(
            "production refuses to start:\n" + "\n".join(f"  - {problem}" for problem in problems)
        )


def _only_site(session) -> str:
    from booking.catalogue import list_sites

    sites = list_sites(session)
    if len(sites) != 1:
        raise click.UsageError("several sites exist: give --site " + "|".join(site.slug for site in sites))
    return sites[0].slug


def _or_explain(work):
    """Run a domain call; turn its field errors into a readable command-line error (in English)."""
    from booking.errors import DomainError, InvalidInput
    from booking.messages import FIELD_ERRORS, PROBLEMS

    try:
        return work()
    except InvalidInput as invalid:
        raise click.ClickException(
            "; ".join(f"{error.field}: {FIELD_ERRORS[error.code]('en', **error.params)}" for error in invalid.errors)
        ) from None
    except DomainError as error:
        raise click.ClickException(PROBLEMS[error.code]("en", **error.params)) from None


def _database(settings: Settings):
    from booking.db import Database

    return Database(settings.resolved_database_url, lock_timeout_ms=settings.lock_timeout_ms)
