"""Small builders for tests: a fixed clock, a test site with known rules, valid citizens and bodies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from booking.db import Database
from booking.models import Agency, Closure, Counter, OpeningRule, Service, Site

WIB = ZoneInfo("Asia/Jakarta")
# Monday 30 November 2026, 07:00 in Blora: before opening, with tomorrow fully bookable.
MONDAY_MORNING = dt.datetime(2026, 11, 30, 0, 0, tzinfo=dt.UTC)
TOMORROW = dt.date(2026, 12, 1)


class FixedClock:
    def __init__(self, now: dt.datetime = MONDAY_MORNING) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@dataclass(frozen=True)
class TestSite:
    slug: str
    timezone: ZoneInfo
    service: str  # no quota
    quota_service: str  # a quota of 3 a day
    counters: tuple[str, ...]


def make_site(
    db: Database,
    *,
    slug: str = "uji",
    timezone: str = "Asia/Jakarta",
    capacity: int = 2,
    counters: int = 2,
    quota: int = 3,
    opens: dt.time = dt.time(8),
    closes: dt.time = dt.time(12),
    slot_minutes: int = 30,
    weekdays: range = range(7),
    break_: tuple[dt.time, dt.time] | None = (dt.time(10), dt.time(10, 30)),
    walk_in_places: int = 0,
) -> TestSite:
    """A site open every day 08.00-12.00 (break 10.00-10.30), 30-minute slots, ``capacity`` per counter."""
    with db.write() as session:
        site = Site(
            slug=slug,
            name=f"MPP {slug.title()}",
            timezone=timezone,
            address="Jl. Uji 1",
            min_lead_minutes=60,
            max_days_ahead=30,
        )
        session.add(site)
        session.flush()
        agency = Agency(
            site_id=site.id, slug="dukcapil", name="Dinas Kependudukan dan Pencatatan Sipil", ticket_prefix="A"
        )
        session.add(agency)
        session.flush()
        services = [
            Service(
                site_id=site.id,
                agency_id=agency.id,
                code="KTP",
                name="Perekaman KTP-el",
                duration_minutes=15,
                requirements=["Fotokopi KK"],
            ),
            Service(
                site_id=site.id,
                agency_id=agency.id,
                code="KK",
                name="Kartu Keluarga baru",
                duration_minutes=20,
                requirements=["Formulir F-1.01", "Buku nikah"],
                daily_quota=quota,
            ),
        ]
        labels = tuple(f"Loket {n}" for n in range(1, counters + 1))
        for label in labels:
            counter = Counter(site_id=site.id, agency_id=agency.id, label=label, services=services)
            counter.rules = [
                OpeningRule(
                    weekday=day,
                    opens_at=opens,
                    closes_at=closes,
                    slot_minutes=slot_minutes,
                    capacity=capacity,
                    walk_in_places=walk_in_places,
                    break_starts_at=break_[0] if break_ else None,
                    break_ends_at=break_[1] if break_ else None,
                )
                for day in weekdays
            ]
            session.add(counter)
    return TestSite(slug=slug, timezone=ZoneInfo(timezone), service="KTP", quota_service="KK", counters=labels)


def add_closure(
    db: Database, site_slug: str | None, day: dt.date, reason: str, reason_en: str = "", kind: str = "manual"
) -> None:
    from sqlalchemy import select

    with db.write() as session:
        site_id = session.scalar(select(Site.id).where(Site.slug == site_slug)) if site_slug else None
        session.add(
            Closure(
                site_id=site_id, starts_on=day, ends_on=day, reason=reason, reason_en=reason_en or reason, kind=kind
            )
        )


def wall_clock_tomorrow() -> dt.date:
    """Tomorrow in Blora by the real clock: for a server in another process, which books on the real clock.
    A slot of that day stays bookable even if midnight passes during the test (it is then today, hours ahead)."""
    return (dt.datetime.now(WIB) + dt.timedelta(days=1)).date()


def at(day: dt.date, hour: int, minute: int = 0, zone: ZoneInfo = WIB) -> str:
    """A slot start as the API shows it, e.g. ``2026-12-01T08:00:00+07:00``."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).isoformat()


def nik(n: int) -> str:
    """The n-th distinct valid NIK (Blora region 33.16.01, born 17-08-1985)."""
    assert 0 < n < 10000
    return f"331601170885{n:04d}"


def booking_body(start: str, n: int = 1, service: str = "KTP", citizen: dict | None = None, **overrides) -> dict:
    body = {
        "service": service,
        "start": start,
        "citizen": {"nik": nik(n), "name": "Siti Aminah", "phone": "081234567890", **(citizen or {})},
        "channels": ["sms"],
        "locale": "id",
    }
    body.update(overrides)
    return body


PASSWORD = "kata-sandi-uji-123"


def add_agency(
    db: Database,
    site_slug: str,
    slug: str = "samsat",
    service: str = "PKB",
    counter: str = "Loket 9",
    capacity: int = 2,
):
    """A second agency with one service and one counter open every day 08.00-12.00, 30-minute slots."""
    from sqlalchemy import select

    with db.write() as session:
        site = session.scalar(select(Site).where(Site.slug == site_slug))
        agency = Agency(site_id=site.id, slug=slug, name=f"Agency {slug}", ticket_prefix=slug[:3].upper())
        session.add(agency)
        session.flush()
        found = Service(
            site_id=site.id,
            agency_id=agency.id,
            code=service,
            name=f"Service {service}",
            duration_minutes=15,
            requirements=[],
        )
        desk = Counter(site_id=site.id, agency_id=agency.id, label=counter, services=[found])
        desk.rules = [
            OpeningRule(weekday=day, opens_at=dt.time(8), closes_at=dt.time(12), slot_minutes=30, capacity=capacity)
            for day in range(7)
        ]
        session.add(desk)


def make_staff(db: Database, username: str, role: str = "staff", *, site: str = "uji", agency: str | None = "dukcapil"):
    from booking.staff import create_staff

    with db.write() as session:
        create_staff(
            session,
            username=username,
            password=PASSWORD,
            role=role,
            site_slug=site,
            agency_slug=agency if role == "staff" else None,
            now=MONDAY_MORNING,
        )


def bearer(client, username: str, password: str = PASSWORD) -> dict[str, str]:
    answer = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}
