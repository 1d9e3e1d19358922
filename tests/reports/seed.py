"""A week at the test site whose daily report was worked out by hand (the answers are in test_daily_report.py).

The site (``make_site`` open Monday to Saturday, so Sunday has no opening hours) has dukcapil (Loket 1
and 2, service KTP, tickets A-NNN) and samsat (Loket 9, service PKB, open every day). Times are WIB
(UTC+7). Rows are written as the queue and the counters leave them: bookings with their status, tickets
with their arrival, first call, start and end.

- Sunday 29 November: dukcapil has no opening hours (closed); samsat is open and nobody came.
- Monday 30 November: one online booking of dukcapil, served at the counter without a queue ticket.
- Tuesday 1 December, dukcapil (the seeded day):

  | booking | kind    | status    | ticket | arrived | called | started | done  | wait | service |
  | ------- | ------- | --------- | ------ | ------- | ------ | ------- | ----- | ---- | ------- |
  | B1      | online  | served    | A-001  | 08:00   | 08:04  | 08:05   | 08:15 | 4    | 10      |
  | B2      | online  | served    | A-002  | 08:10   | 08:20  | 08:21   | 08:27 | 10   | 6       |
  | B3      | online  | served    | A-003  | 08:40   | 08:42  | 08:42   | 09:00 | 2    | 18      |
  | B4      | online  | no_show   | A-004  | 09:05   | 09:30  | -       | (missed) | 25 | -     |
  | B5      | online  | no_show   | -      |         |        |         |       |      |         |
  | B6      | online  | cancelled | -      |         |        |         |       |      |         |
  | B8      | online  | served    | - (served at the counter, no ticket) |  |   |       |      |         |
  | W1      | walk-in | served    | A-005  | 09:10   | 09:17  | 09:18   | 09:30 | 7    | 12      |
  | W2      | walk-in | served    | A-006  | 10:30   | 10:31  | 10:31   | 10:39 | 1    | 8       |
  | W3      | walk-in | cancelled | -      |         |        |         |       |      |         |

  B3's personal data has been erased (retention): it still counts.
  Samsat that day: one walk-in, S1: arrived 08:30, called 08:50, started 08:50, done 09:05 (wait 20,
  service 15).
- Wednesday 2 December: the site is closed ("Listrik padam"); one dukcapil booking of that day was
  cancelled by the closure.
"""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import select

from booking.models import Agency, Booking, Counter, Service, Site, Ticket
from booking.personal_data import erase
from tests.factories import WIB, add_agency, add_closure, make_site

SUNDAY, MONDAY, TUESDAY, WEDNESDAY = (dt.date(2026, 11, 29) + dt.timedelta(days=n) for n in range(4))
SECRET = "report-secret"
_codes = itertools.count(1)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=WIB).astimezone(dt.UTC)


def seed_week(db) -> None:
    make_site(db, weekdays=range(6))
    add_agency(db, "uji")
    add_closure(db, "uji", WEDNESDAY, "Listrik padam", "Power cut")
    with db.write() as session:
        site = session.scalar(select(Site).where(Site.slug == "uji"))
        ktp = session.scalar(select(Service).where(Service.code == "KTP"))
        pkb = session.scalar(select(Service).where(Service.code == "PKB"))
        loket1 = session.scalar(select(Counter).where(Counter.label == "Loket 1"))
        loket9 = session.scalar(select(Counter).where(Counter.label == "Loket 9"))

        def booking(day, status, walk_in=False, service=ktp, counter=loket1, hour=8):
            made = _booking(site, service, counter, day, status, walk_in, hour)
            session.add(made)
            session.flush()
            return made

        def ticket(made, number, arrived, called=None, started=None, done=None, missed=None):
            status = "done" if done else "missed" if missed else "called" if called else "waiting"
            agency = session.get(Agency, made.service.agency_id)
            session.add(
                Ticket(
                    site_id=site.id, agency_id=agency.id, service_id=made.service_id, booking_id=made.id,
                    local_date=made.local_date, prefix=agency.ticket_prefix, number=number, leg=0,
                    kind="walk_in" if made.walk_in else "booked", queued_at=arrived, status=status,
                    counter_id=None if status in ("done", "missed") else made.counter_id, recalls=0, comebacks=0,
                    arrived_at=arrived, called_at=called, last_called_at=called, started_at=started,
                    done_at=done, missed_at=missed, transferred=False,
                )
            )  # fmt: skip

        booking(MONDAY, "served")
        t = lambda *hm: local(TUESDAY, *hm)  # noqa: E731
        ticket(booking(TUESDAY, "served"), 1, t(8, 0), t(8, 4), t(8, 5), t(8, 15))
        ticket(booking(TUESDAY, "served"), 2, t(8, 10), t(8, 20), t(8, 21), t(8, 27))
        b3 = booking(TUESDAY, "served")
        ticket(b3, 3, t(8, 40), t(8, 42), t(8, 42), t(9, 0))
        ticket(booking(TUESDAY, "no_show"), 4, t(9, 5), t(9, 30), missed=t(9, 40))
        booking(TUESDAY, "no_show")
        booking(TUESDAY, "cancelled")
        booking(TUESDAY, "served")  # B8: served at the counter, no ticket
        ticket(booking(TUESDAY, "served", walk_in=True), 5, t(9, 10), t(9, 17), t(9, 18), t(9, 30))
        ticket(booking(TUESDAY, "served", walk_in=True), 6, t(10, 30), t(10, 31), t(10, 31), t(10, 39))
        booking(TUESDAY, "cancelled", walk_in=True)
        s1 = booking(TUESDAY, "served", walk_in=True, service=pkb, counter=loket9)
        ticket(s1, 1, t(8, 30), t(8, 50), t(8, 50), t(9, 5))
        booking(WEDNESDAY, "cancelled")
        erase(session, b3, now=local(TUESDAY, 12), secret_key=SECRET)


def _booking(site, service, counter, day, status, walk_in, hour) -> Booking:
    start = local(day, hour)
    code = f"RPT{next(_codes):05d}"
    return Booking(
        code=code, site_id=site.id, service_id=service.id, counter_id=counter.id, starts_at=start,
        ends_at=start + dt.timedelta(minutes=30), local_date=day, status=status, revision=0, walk_in=walk_in,
        citizen_nik_hash=f"hash-{code}", citizen_nik_last4="0001", citizen_name="Siti Aminah",
        citizen_phone="+6281234567890", channels=["sms"], locale="id", manage_token_salt="salt",
        manage_token_hash=f"token-{code}", created_at=start - dt.timedelta(days=2),
        updated_at=start - dt.timedelta(days=2), service=service,
        cancelled_at=start - dt.timedelta(days=1) if status == "cancelled" else None,
    )  # fmt: skip
