"""The capacity invariants, checked in SQL: used by tests, the benchmarks and ``booking db check``.

Every capacity row must be within its capacity (the CHECK constraints say so too), and every counter
must equal the active bookings it stands for; a difference means a place was lost or overbooked.
Walk-ins count in a slot's ``booked`` but not in ``online_booked`` nor in a service's daily quota,
which limits online booking only.
"""

from __future__ import annotations

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from booking.models import Booking, BookingStatus, Service, ServiceDayLoad, SlotLoad


def capacity_violations(session: Session) -> list[str]:
    problems: list[str] = []
    active = Booking.status != BookingStatus.cancelled

    per_slot = (
        select(
            Booking.counter_id,
            Booking.starts_at,
            func.count().label("n"),
            func.sum(case((Booking.walk_in, 0), else_=1)).label("online"),
        )
        .where(active)
        .group_by(Booking.counter_id, Booking.starts_at)
        .subquery()
    )
    slot_rows = session.execute(
        select(
            SlotLoad.counter_id,
            SlotLoad.starts_at,
            SlotLoad.booked,
            SlotLoad.capacity,
            SlotLoad.online_booked,
            per_slot.c.n,
            per_slot.c.online,
        ).outerjoin(
            per_slot, and_(per_slot.c.counter_id == SlotLoad.counter_id, per_slot.c.starts_at == SlotLoad.starts_at)
        )
    )
    for counter_id, starts_at, booked, capacity, online_booked, actual, online in slot_rows:
        if booked > capacity or booked != (actual or 0) or online_booked != (online or 0):
            problems.append(
                f"slot {counter_id}@{starts_at}: booked={booked} (online {online_booked}) capacity={capacity} "
                f"active={actual or 0} (online {online or 0})"
            )
    orphans = session.execute(
        select(per_slot.c.counter_id, per_slot.c.starts_at)
        .outerjoin(
            SlotLoad, and_(per_slot.c.counter_id == SlotLoad.counter_id, per_slot.c.starts_at == SlotLoad.starts_at)
        )
        .where(SlotLoad.id.is_(None))
    )
    problems += [f"bookings at {counter_id}@{starts_at} hold no slot row" for counter_id, starts_at in orphans]

    per_day = (
        select(Booking.service_id, Booking.local_date, func.count().label("n"))
        .where(active, Booking.walk_in.is_(False))
        .group_by(Booking.service_id, Booking.local_date)
        .subquery()
    )
    day_rows = session.execute(
        select(
            ServiceDayLoad.service_id, ServiceDayLoad.day, ServiceDayLoad.booked, ServiceDayLoad.quota, per_day.c.n
        ).outerjoin(
            per_day, and_(per_day.c.service_id == ServiceDayLoad.service_id, per_day.c.local_date == ServiceDayLoad.day)
        )
    )
    for service_id, day, booked, quota, actual in day_rows:
        if booked > quota or booked != (actual or 0):
            problems.append(f"quota {service_id}@{day}: booked={booked} quota={quota} active={actual or 0}")
    missing_quota_rows = session.execute(
        select(per_day.c.service_id, per_day.c.local_date)
        .join(Service, Service.id == per_day.c.service_id)
        .outerjoin(
            ServiceDayLoad,
            and_(ServiceDayLoad.service_id == per_day.c.service_id, ServiceDayLoad.day == per_day.c.local_date),
        )
        .where(Service.daily_quota.is_not(None), ServiceDayLoad.id.is_(None))
    )
    problems += [f"quota service {sid}@{day} has bookings but no quota row" for sid, day in missing_quota_rows]
    return problems
