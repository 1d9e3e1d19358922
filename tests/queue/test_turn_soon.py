""" "Your turn soon": once per ticket, through a real worker and a real SMS gateway, never once called.

The site tells a citizen when at most one person is ahead of them (``turn_soon_places = 1``). Four booked
citizens with phones take tickets A-001..A-004; the first call plans the message for A-002 and A-003,
the second (at another counter) calls A-002 (its message is now untrue) and plans A-004. Then a worker
starts: A-003 and A-004 hear it once each, A-002 never. A third call plans A-004 again, which changes
nothing: its message went out already.
"""

from __future__ import annotations

from sqlalchemy import select, update

from booking.models import Booking, Notification, NotificationStatus, Site
from tests.gateways import HttpGateway, wait_until
from tests.worker import WORKER_DEADLINE_S, running, worker_env


def turn_soon_rows(db) -> dict[str, str]:
    """Per booking code, the status of its turn_soon row."""
    with db.read() as session:
        rows = session.execute(
            select(Booking.code, Notification.status)
            .join(Booking, Booking.id == Notification.booking_id)
            .where(Notification.kind == "turn_soon")
        ).all()
    return {code: status for code, status in rows}


def settled(db) -> bool:
    """Every message sent, failed or cancelled: nothing is left that a worker could still send."""
    with db.read() as session:
        open_rows = session.scalars(
            select(Notification.id).where(
                Notification.status.in_([NotificationStatus.pending, NotificationStatus.sending])
            )
        ).all()
    return not open_rows


def test_each_waiting_citizen_hears_once_that_their_turn_is_near_and_never_after_the_call(
    floor, database_url, tmp_path
):
    with floor.db.write() as session:
        quiet = {"reminder_day_before_at": None, "reminder_soon_minutes": None}  # only the queue's messages
        session.execute(update(Site).values(turn_soon_places=1, **quiet))
    codes = [floor.book(8, 30) for _ in range(4)]
    floor.at(8, 20)
    tickets = [floor.ticket(code) for code in codes]
    assert tickets == ["A-001", "A-002", "A-003", "A-004"]
    floor.at(8, 30)
    floor.called("Loket 1")
    floor.called("Loket 2")
    plain = {code.replace("-", ""): ticket for code, ticket in zip(codes, tickets, strict=True)}
    assert {plain[code] for code in turn_soon_rows(floor.db)} == {"A-002", "A-003", "A-004"}

    gateway = HttpGateway()
    env = worker_env(database_url, tmp_path / "data", sms=gateway.url("sms"))
    try:
        with running(["worker", "--beat"], env, tmp_path / "worker.log"):
            assert wait_until(lambda: settled(floor.db), timeout=WORKER_DEADLINE_S), turn_soon_rows(floor.db)
            floor.step("A-001", "done")
            floor.called("Loket 1")  # A-004 is next, and was told already
            assert wait_until(lambda: settled(floor.db), timeout=WORKER_DEADLINE_S)
        told = [
            ticket
            for request in gateway.received("sms")
            for ticket in tickets
            if ticket in request.payload["message"] and "sebentar lagi dipanggil" in request.payload["message"]
        ]
    finally:
        gateway.close()

    assert sorted(told) == ["A-003", "A-004"]
    assert {plain[code]: status for code, status in turn_soon_rows(floor.db).items()} == {
        "A-002": "cancelled",
        "A-003": "sent",
        "A-004": "sent",
    }
