"""A site with two agencies (dukcapil: two counters; samsat: one) and three accounts: a clerk of each
agency and the site's admin."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import MONDAY_MORNING, add_agency, at, bearer, booking_body, make_site, make_staff

TODAY = MONDAY_MORNING.date()
SLOTS = [(8, 0), (8, 30), (9, 0), (9, 30), (10, 30), (11, 0), (11, 30)]  # make_site's 30-minute slots


@dataclass
class Office:
    client: object
    clock: object
    db: object
    ani: dict  # clerk of dukcapil
    budi: dict  # clerk of samsat
    admin: dict
    counter: int = 0

    def book(self, hour: int | None = None, minute: int = 0, day=TODAY, service: str = "KTP") -> str:
        """A citizen books online (a new citizen each time); the booking's code. Without a time, the
        slots of the morning take turns, so many bookings fit."""
        self.counter += 1
        if hour is None:
            hour, minute = SLOTS[self.counter % len(SLOTS)]
        answer = self.client.post(
            "/api/v1/sites/uji/bookings", json=booking_body(at(day, hour, minute), n=self.counter, service=service)
        )
        assert answer.status_code == 201, answer.text
        return answer.json()["code"]


@pytest.fixture
def office(client, db, clock) -> Office:
    make_site(db)
    add_agency(db, "uji")
    make_staff(db, "ani", agency="dukcapil")
    make_staff(db, "budi", agency="samsat")
    make_staff(db, "kepala", role="admin")
    return Office(client, clock, db, bearer(client, "ani"), bearer(client, "budi"), bearer(client, "kepala"))
