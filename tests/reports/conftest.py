"""The seeded week (tests/reports/seed.py) with a dukcapil clerk, ani, and the site's admin, kepala."""

from __future__ import annotations

import pytest

from tests.factories import make_staff
from tests.reports.seed import seed_week


@pytest.fixture
def seeded(db):
    seed_week(db)
    make_staff(db, "ani", agency="dukcapil")
    make_staff(db, "kepala", role="admin")
    return db
