"""What the benchmarks share: a fresh database, a queue of walk-ins, waiting for a server process to answer,
peak memory."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import httpx
import sqlalchemy as sa


def wait_healthy(base: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/health", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit(f"server at {base} did not start")


def peak_rss_mib(pid: int) -> float:
    """The most memory a process (and, for a supervisor of several, the largest child) has held: VmHWM."""
    return max(_vm_hwm_kib(one) for one in [pid, *_children(pid)]) / 1024


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError:
        return []


def _vm_hwm_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def fresh_database(admin_url: str, name: str) -> str:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def seed_waiting_walk_ins(db, service_code: str, count: int) -> None:
    """``count`` walk-in tickets of dukcapil's ``service_code`` waiting today (rows only: no booking is needed to
    be called), queued a second apart so the first is the oldest."""
    from booking.models import Agency, Service, Ticket, TicketStatus

    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(ZoneInfo("Asia/Jakarta")).date()
    with db.write() as session:
        agency = session.scalar(sa.select(Agency).where(Agency.slug == "dukcapil"))
        service = session.scalar(sa.select(Service).where(Service.code == service_code, Service.agency_id == agency.id))
        for number in range(1, count + 1):
            queued = now - dt.timedelta(seconds=count - number)
            session.add(
                Ticket(
                    site_id=agency.site_id,
                    agency_id=agency.id,
                    service_id=service.id,
                    booking_id=None,
                    local_date=today,
                    prefix=agency.ticket_prefix,
                    number=number,
                    leg=0,
                    kind="walk_in",
                    priority=None,
                    due_at=None,
                    queued_at=queued,
                    status=TicketStatus.waiting,
                    recalls=0,
                    comebacks=0,
                    arrived_at=queued,
                    transferred=False,
                )  # fmt: skip
            )
