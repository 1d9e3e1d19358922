"""Booking facts for the notification tests, with the longest names of the demo data at hand."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from notifications.render import BookingFacts

DEMO_DATA = Path(__file__).resolve().parents[2] / "booking" / "demo" / "data"
TOKEN = "Qm9va2luZ1Rva2VuRm9yVGVzdHMxMjM0"  # 32 characters, like a real manage token
MANAGE_URL = f"https://antrian.mpp.blorakab.go.id/b/FBJ5-HX5W?token={TOKEN}"
TICKET_URL = "https://antrian.mpp.blorakab.go.id/t/mpp-blora/DUK-012"
SURVEY_URL = "https://antrian.mpp.blorakab.go.id/s/mpp-blora/survei/c3VydmV5SWRGb3JUZXN0c1NpZ25hdHVyZU9mSXQ"
OFFER_URL = "https://antrian.mpp.blorakab.go.id/s/mpp-blora/daftar-tunggu/d2FpdGxpc3RFbnRyeUZvclRlc3RzU2lnbmVkSXQ"


def booking_facts(zone: str = "Asia/Jakarta", **changes) -> BookingFacts:
    tz = ZoneInfo(zone)
    facts = BookingFacts(
        code="FBJ5-HX5W",
        site_name="Mal Pelayanan Publik Kabupaten Blora",
        site_address="Jl. Blora\u2013Cepu KM 5, Ngelobener, Kec. Jepon, Kabupaten Blora, Jawa Tengah",
        agency="Dinas Kependudukan dan Pencatatan Sipil (Dindukcapil)",
        service="Perekaman KTP-el (pemula)",
        counter="Loket 3",
        start=datetime(2026, 12, 3, 8, 30, tzinfo=tz),
        end=datetime(2026, 12, 3, 8, 45, tzinfo=tz),
        requirements=("fotokopi KK", "usia \u226517 th atau sudah/pernah kawin"),
        manage_url=MANAGE_URL,
        ticket="DUK-012",
        ticket_url=TICKET_URL,
        survey_url=SURVEY_URL,
        survey_until=datetime(2026, 12, 10, 8, 45, tzinfo=tz),
        offer_url=OFFER_URL,
        offer_until=datetime(2026, 12, 2, 10, 35, tzinfo=tz),
    )
    return replace(facts, **changes)


@cache
def demo_services() -> list[tuple[str, str, tuple[str, ...]]]:
    """(agency name, service name, requirements) for every service of every demo site."""
    rows = []
    for site in sorted(DEMO_DATA.iterdir()):
        with open(site / "agencies.csv", encoding="utf-8") as file:
            agencies = {row["slug"]: row["name"] for row in csv.DictReader(file)}
        with open(site / "services.csv", encoding="utf-8") as file:
            for row in csv.DictReader(file):
                requirements = tuple(item.strip() for item in row["requirements"].split("|") if item.strip())
                rows.append((agencies[row["agency"]], row["name"], requirements))
    return rows


def longest_demo_facts(**changes) -> BookingFacts:
    """The longest agency and service names of the demo data, a long site name, a two-digit counter."""
    services = demo_services()
    longest = dict(
        zone="Asia/Makassar",  # "WITA", the longest zone name
        site_name="Mal Pelayanan Publik Kota Denpasar (demo)",
        agency=max((agency for agency, _, _ in services), key=len),
        service=max((service for _, service, _ in services), key=len),
        counter="Loket 12",
        start=datetime(2026, 9, 30, 13, 45, tzinfo=ZoneInfo("Asia/Makassar")),  # Rabu/Wednesday, September
        end=datetime(2026, 9, 30, 14, 0, tzinfo=ZoneInfo("Asia/Makassar")),
        manage_url=f"https://layanan.mpp.denpasarkota.go.id/antrian/b/FBJ5-HX5W?token={TOKEN}",
        ticket="DPMPTSP-123",
        ticket_url="https://layanan.mpp.denpasarkota.go.id/antrian/t/mpp-denpasar-demo/DPMPTSP-123",
        offer_url="https://layanan.mpp.denpasarkota.go.id/antrian/s/mpp-denpasar-demo/daftar-tunggu/" + "A" * 38,
    )
    return booking_facts(**{**longest, **changes})
