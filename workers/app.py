"""The Celery app, built from the project's settings: the one place Celery is imported.

The broker carries only wake-up calls: the ``notifications`` rows are the truth. The embedded default is
kombu's filesystem transport in ``BOOKING_DATA_DIR/broker`` (no server needed); with
``BOOKING_BROKER_URL`` set to Redis or RabbitMQ the same code runs distributed.

``booking worker --beat`` runs beat as a thread of the worker (``BeatThread``), not as Celery's forked
beat process, which a ``kill -9`` of the worker left running as an orphan. Every beat, thread or
``booking beat``, first takes the beat lock (``workers/beat.py``): one beat per database.
"""

from __future__ import annotations

import threading

import click
from celery import Celery, bootsteps
from celery.beat import Service
from celery.schedules import crontab
from kombu.transport import TRANSPORT_ALIASES

from booking.settings import Settings
from workers.beat import BeatLock

SWEEP_TASK = "antrian.sweep"
PURGE_KEYS_TASK = "antrian.purge_idempotency_keys"
NO_SHOW_TASK = "antrian.sweep_no_shows"
RETENTION_TASK = "antrian.erase_expired_personal_data"
WAITLIST_TASK = "antrian.release_expired_holds"
HOLIDAYS_TASK = "antrian.sync_national_holidays"
# Daily at 01:00 WIB: a wall-clock time, not an interval, so a beat restarted often still runs it.
HOLIDAYS_AT = {"minute": 0, "hour": 18}
FOLDER_BROKER = "antrian-folder"
TRANSPORT_ALIASES[FOLDER_BROKER] = "workers.folder_broker:Transport"  # kombu's filesystem, made race-free


def make_celery(settings: Settings) -> Celery:
    broker = settings.broker_url or f"{FOLDER_BROKER}://"  # the embedded default
    app = Celery("antrian", broker=broker, include=["workers.tasks"])
    app.conf.update(
        task_ignore_result=True,
        task_acks_late=True,  # a task whose worker dies is delivered again; the rows make that safe
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=4,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=3,
        broker_transport_options=_transport_options(settings),
        beat_schedule={
            "sweep-due-notifications": {"task": SWEEP_TASK, "schedule": settings.sweep_seconds},
            "purge-idempotency-keys": {"task": PURGE_KEYS_TASK, "schedule": 3600},
            "mark-no-shows": {"task": NO_SHOW_TASK, "schedule": settings.no_show_sweep_seconds},
            "release-expired-holds": {"task": WAITLIST_TASK, "schedule": settings.hold_sweep_seconds},
            "erase-expired-personal-data": {"task": RETENTION_TASK, "schedule": settings.retention_sweep_seconds},
            # this year's and next year's national holidays and cuti bersama, as soon as the calendar has them
            "sync-national-holidays": {"task": HOLIDAYS_TASK, "schedule": crontab(**HOLIDAYS_AT)},
        },
        beat_schedule_filename=str(settings.data_dir / "celerybeat-schedule"),
        worker_hijack_root_logger=False,
        timezone="UTC",
    )
    app.steps["worker"].add(BeatInWorker)
    app.user_options["worker"].add(
        click.Option(["--beat-thread"], is_flag=True, default=False, help="Run beat as a thread of this worker.")
    )
    return app


class BeatThread(threading.Thread):
    """Celery beat as a thread of this process, once it holds the beat lock; again after a lost lock."""

    def __init__(self, app, database_url: str) -> None:
        super().__init__(name="Beat", daemon=True)
        self.app = app
        self.database_url = database_url
        self.stopping = threading.Event()
        self.service: Service | None = None

    def run(self) -> None:
        self.app.set_current()
        while not self.stopping.is_set():
            lock = BeatLock(self.database_url)
            try:
                if not lock.acquire(self.stopping):
                    return
                # max_interval 1 s: a stop (or a lost lock) ends the beat loop within a second.
                self.service = Service(self.app, max_interval=1, remote_control=False)
                lock.watch(self.service.stop)
                self.service.start()
            finally:
                lock.release()

    def stop(self) -> None:
        self.stopping.set()
        if self.service is not None:
            self.service.stop()
        if self.is_alive():
            self.join(timeout=10)


class BeatInWorker(bootsteps.StartStopStep):
    """``celery worker --beat-thread``: beat as a thread of the worker (Celery's own ``--beat`` forks it)."""

    label = "Beat thread"
    conditional = True

    def __init__(self, worker, beat_thread: bool = False, **kwargs) -> None:
        self.enabled = bool(beat_thread)
        super().__init__(worker, **kwargs)

    def create(self, worker):
        return BeatThread(worker.app, settings.resolved_database_url)


def _transport_options(settings: Settings) -> dict:
    if settings.broker_url:
        return {"visibility_timeout": 3600}
    folder = settings.data_dir / "broker"
    (folder / "processed").mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "processed_folder": str(folder / "processed"),
        "store_processed": False,
        "control_folder": str(folder / "control"),  # kombu's default is ./control in the working directory
        "polling_interval": 0.05,  # the folder is polled; kombu's default second delayed every send
    }


def broker_reachable(app: Celery, timeout: float = 2.0) -> bool:
    """For ``GET /ready``: can we open a connection to the broker right now?"""
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


settings = Settings()
celery_app = make_celery(settings)


def run_command(argv: list[str]) -> int:
    """Run Celery's own command line (``worker ...``, ``beat ...``) with this app and return its exit code.

    ``Celery.start`` and ``worker_main`` drop it: with click's standalone mode off, an unrecoverable
    worker error comes back as a return value of 1 that they throw away, so a crashed worker exited 0
    and no supervisor restarted it.
    """
    from celery.bin.celery import celery as celery_command
    from click.exceptions import Exit

    celery_command.params[0].default = celery_app
    try:
        code = celery_command.main(args=argv, standalone_mode=False)
    except Exit as stopped:
        code = stopped.exit_code
    finally:
        celery_command.params[0].default = None
    return code if isinstance(code, int) else 0
