"""A day on the floor: the test site (dukcapil with Loket 1 and 2, tickets A-NNN; samsat with Loket 9,
tickets SAM-NNN), its clerks and admin, and a clock that starts at 07:00 in Blora on Monday."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from tests.factories import MONDAY_MORNING, WIB, add_agency, at, bearer, booking_body, make_site, make_staff

TODAY = MONDAY_MORNING.date()


def local(hour: int, minute: int = 0) -> dt.datetime:
    """Today at hh:mm in Blora, as the clock's UTC instant."""
    return dt.datetime(TODAY.year, TODAY.month, TODAY.day, hour, minute, tzinfo=WIB).astimezone(dt.UTC)


@dataclass
class Floor:
    client: object
    clock: object
    db: object
    ani: dict  # clerk of dukcapil
    budi: dict  # clerk of samsat
    admin: dict
    citizens: int = 0

    def at(self, hour: int, minute: int = 0) -> None:
        self.clock.now = local(hour, minute)

    def book(self, hour: int, minute: int = 0, *, day=TODAY, service: str = "KTP") -> str:
        """A citizen books online, the evening before (the clock goes back to where it was)."""
        self.citizens += 1
        now, self.clock.now = self.clock.now, MONDAY_MORNING - dt.timedelta(hours=12)
        try:
            answer = self.client.post(
                "/api/v1/sites/uji/bookings",
                json=booking_body(at(day, hour, minute), n=self.citizens, service=service),
            )
        finally:
            self.clock.now = now
        assert answer.status_code == 201, answer.text
        return answer.json()["code"]

    def arrive(self, code: str | None = None, *, service: str | None = None, priority: str | None = None):
        body = {key: value for key, value in (("code", code), ("service", service), ("priority", priority)) if value}
        return self.client.post("/api/v1/sites/uji/arrivals", json=body)

    def ticket(self, code: str | None = None, **walk_in) -> str:
        answer = self.arrive(code, **walk_in)
        assert answer.status_code == 201, answer.text
        return answer.json()["ticket"]

    def call(self, counter: str = "Loket 1", clerk: dict | None = None):
        return self.client.post(f"/api/v1/staff/counters/{counter}/call-next", headers=clerk or self.ani)

    def called(self, counter: str = "Loket 1") -> str:
        answer = self.call(counter)
        assert answer.status_code == 200, answer.text
        return answer.json()["ticket"]

    def step(self, ticket: str, action: str, clerk: dict | None = None, **body):
        return self.client.post(
            f"/api/v1/staff/tickets/{ticket}/{action}", headers=clerk or self.ani, json=body or None
        )


@pytest.fixture
def floor(client, db, clock) -> Floor:
    make_site(db)
    add_agency(db, "uji")
    make_staff(db, "ani", agency="dukcapil")
    make_staff(db, "budi", agency="samsat")
    make_staff(db, "kepala", role="admin")
    return Floor(client, clock, db, bearer(client, "ani"), bearer(client, "budi"), bearer(client, "kepala"))
