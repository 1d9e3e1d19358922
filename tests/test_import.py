"""``booking import``: a new MPP from CSV files, all or nothing, every problem named by file and line."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from booking.availability import service_availability
from booking.bookings import BookingRequest, create_booking
from booking.cli import main
from booking.importer import ImportRejected, import_site, parse_weekday
from booking.models import Agency, Counter, CounterService, OpeningRule, Service, Site
from tests.factories import MONDAY_MORNING, WIB, nik

SAMPLE = Path(__file__).parent.parent / "samples" / "import" / "mpp-contoh"
TUESDAY_8 = "2026-12-01T08:00:00+07:00"
TABLES = (Site, Agency, Service, Counter, CounterService, OpeningRule)


@pytest.fixture
def folder(tmp_path) -> Path:
    """A copy of the sample set that a test may edit."""
    return Path(shutil.copytree(SAMPLE, tmp_path / "mpp"))


def _import(db, folder: Path, now: dt.datetime = MONDAY_MORNING):
    with db.write() as session:
        return import_site(session, folder, now=now)


def _rejected(db, folder: Path) -> set[tuple[str, int]]:
    with pytest.raises(ImportRejected) as rejected, db.write() as session:
        import_site(session, folder, now=MONDAY_MORNING)
    return {(problem.file, problem.line) for problem in rejected.value.errors}


def _row_counts(db) -> dict[str, int]:
    with db.read() as session:
        return {table.__name__: session.scalar(select(func.count()).select_from(table)) for table in TABLES}


def _edit(path: Path, line: int, text: str) -> None:
    """Replace one line (1 is the header) of a CSV file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[line - 1] = text
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _book(db, service: str = "DKP-01", start: str = TUESDAY_8) -> str:
    """Book through the domain; the label of the counter that got the booking."""
    with db.write() as session:
        site = session.scalar(select(Site).where(Site.slug == "grobogan"))
        request = BookingRequest(service=service, start=start, nik=nik(1), name="Siti Aminah", phone="081234567890")
        made = create_booking(session, site, request, now=MONDAY_MORNING, secret_key="test-secret")
        return made.booking.counter.label


def test_the_sample_mpp_loads_and_takes_a_booking(db):
    summary = _import(db, SAMPLE)

    assert (summary.created["sites"], summary.created["agencies"], summary.created["services"]) == (1, 5, 12)
    assert (summary.created["counters"], summary.created["opening_hours"]) == (6, 6)
    assert _book(db) in ("Loket 1", "Loket 2")
    with db.read() as session:
        site = session.scalar(select(Site).where(Site.slug == "grobogan"))
        week = service_availability(session, site, "DKP-01", dt.date(2026, 12, 1), dt.date(2026, 12, 6), MONDAY_MORNING)
        requirements = session.scalar(select(Service.requirements).where(Service.code == "DKP-04"))
        walk_in = session.scalar(select(OpeningRule.walk_in_places).join(Counter).where(Counter.label == "Loket 1"))
    by_date = {day.date.isoformat(): day for day in week.days}
    assert [by_date[f"2026-12-0{n}"].status for n in range(1, 7)] == ["open"] * 4 + ["closed"] * 2
    tuesday = [slot.starts_at.astimezone(WIB).strftime("%H:%M") for slot in by_date["2026-12-01"].slots]
    friday = by_date["2026-12-04"].slots
    assert tuesday[0] == "08:00" and "12:00" not in tuesday and "12:30" in tuesday
    assert friday[-1].ends_at.astimezone(WIB).time() == dt.time(11)
    assert site.timezone == "Asia/Jakarta" and len(requirements) == 4 and walk_in == 1


def test_importing_the_same_files_again_changes_nothing(db):
    _import(db, SAMPLE)
    before = _row_counts(db)

    again = _import(db, SAMPLE)

    assert _row_counts(db) == before
    assert sum(again.created.values()) == sum(again.updated.values()) == 0
    assert (again.unchanged["services"], again.unchanged["counters"], again.unchanged["opening_hours"]) == (12, 6, 6)


def test_a_reimport_updates_in_place_and_deletes_nothing_left_out(db, folder):
    _import(db, SAMPLE)
    before = _row_counts(db)
    services = folder / "services.csv"
    header, first = services.read_text(encoding="utf-8").splitlines()[:2]
    services.write_text(f"{header}\n{first.replace('Perekaman KTP-el (pemula)', 'Perekaman KTP-el baru')}\n")
    (folder / "opening_hours.csv").unlink()  # a file left out leaves every counter's hours alone

    summary = _import(db, folder)

    assert summary.updated["services"] == 1 and summary.unchanged["agencies"] == 5
    assert _row_counts(db) == before
    with db.read() as session:
        assert session.scalar(select(Service.name).where(Service.code == "DKP-01")) == "Perekaman KTP-el baru"


def test_a_set_with_errors_in_several_files_loads_nothing_and_names_every_bad_line(db, folder):
    _edit(folder / "site.csv", 2, "grobogan,MPP Grobogan diganti,Asia/Purwodadi,Purwodadi")
    _edit(folder / "agencies.csv", 2, "disdukcapil,Dinas Dukcapil (nama baru),1")  # sound, yet must not be applied
    _edit(folder / "services.csv", 3, "disdukcapil,DKP-01,Duplikat,10,,")
    _edit(folder / "services.csv", 4, "dinas-tidak-ada,DKP-03,Kartu Keluarga,15,KK lama,")
    _edit(folder / "services.csv", 5, "disdukcapil,DKP-04,Akta kelahiran,lima belas,,")
    _edit(folder / "counters.csv", 3, "disdukcapil,Loket 2,DKP-01;DKP-99")
    _edit(folder / "counters.csv", 4, "dpmptsp,Loket 3,")
    _edit(folder / "opening_hours.csv", 2, "Loket 1,senin,15.00,08.00,15,2,,,,,0")
    _edit(folder / "opening_hours.csv", 3, "Loket 1,selasa,08.00,15.00,3,2,12.00,12.30,,,0")
    _edit(folder / "opening_hours.csv", 4, "Loket 1,rabo,08.00,15.00,15,2,12.00,12.30,,,0")
    _edit(folder / "opening_hours.csv", 5, "Loket 1,kamis,08.00,15.00,15,2,15.30,16.00,,,0")
    _edit(folder / "opening_hours.csv", 6, "Loket 1,jumat,08.00,11.00,15,-1,,,,,0")
    _edit(folder / "opening_hours.csv", 7, "Loket 2,senin,08.00,15.00,15,2,,,,,3")
    _edit(folder / "opening_hours.csv", 8, "Loket 9,selasa,08.00,15.00,15,2,,,,,0")
    _import(db, SAMPLE)
    before = _row_counts(db)

    named = _rejected(db, folder)

    assert named >= {
        ("site.csv", 2),  # unknown time zone
        ("services.csv", 3),  # duplicate code
        ("services.csv", 4),  # unknown agency
        ("services.csv", 5),  # not a number
        ("counters.csv", 3),  # a service code nobody defined
        ("counters.csv", 4),  # no services
        *(("opening_hours.csv", line) for line in range(2, 9)),  # reversed, slot, weekday, break, capacity, ...
    }
    assert ("agencies.csv", 2) not in named
    assert _row_counts(db) == before
    with db.read() as session:
        assert session.scalar(select(Agency.name).where(Agency.slug == "disdukcapil")).startswith("Dinas Kependudukan")
        assert session.scalar(select(Site.timezone)) == "Asia/Jakarta"


def test_a_rejected_new_site_leaves_no_trace(db, folder):
    _edit(folder / "opening_hours.csv", 31, "Loket 6,jumat,08.00,11.00,15,1,10.00,,,,0")

    with pytest.raises(ImportRejected) as rejected, db.write() as session:
        import_site(session, folder, now=MONDAY_MORNING)

    assert [str(problem) for problem in rejected.value.errors] == [
        "opening_hours.csv:31: break_start: The break must lie within opening hours and start before it ends."
    ]
    assert set(_row_counts(db).values()) == {0}


def test_a_missing_column_or_file_is_named_on_line_one(db, folder):
    hours = folder / "opening_hours.csv"
    hours.write_text(hours.read_text().replace(",capacity,", ",places,", 1))
    (folder / "site.csv").unlink()

    with pytest.raises(ImportRejected) as rejected, db.write() as session:
        import_site(session, folder, now=MONDAY_MORNING)

    messages = [str(problem) for problem in rejected.value.errors]
    assert messages[0].startswith("site.csv:1: file missing")
    assert "opening_hours.csv:1: required column 'capacity' missing from the header" in messages
    assert any(message.startswith("opening_hours.csv:1: unknown column 'places'") for message in messages)


def test_hours_of_a_counter_with_a_future_booking_are_not_replaced(db, folder):
    _import(db, SAMPLE)
    booked = _book(db)
    hours = folder / "opening_hours.csv"
    lines = hours.read_text().splitlines()
    hours.write_text("\n".join(line.replace("08.00,11.00", "08.00,11.30") for line in lines) + "\n")
    first_line = next(n for n, line in enumerate(lines, 1) if line.startswith(f"{booked},"))

    with pytest.raises(ImportRejected) as rejected, db.write() as session:
        import_site(session, folder, now=MONDAY_MORNING)

    assert [(p.file, p.line) for p in rejected.value.errors] == [("opening_hours.csv", first_line)]
    assert "admin API" in rejected.value.errors[0].message
    with db.read() as session:
        fridays = session.scalars(select(OpeningRule.closes_at).where(OpeningRule.weekday == 4))
        assert set(fridays) == {dt.time(11)}
    # unchanged hours of a booked counter are no change: the same files still import
    assert _import(db, SAMPLE).unchanged["opening_hours"] == 6
    # and once the booking is in the past, its counter's hours may change
    assert _import(db, folder, now=MONDAY_MORNING + dt.timedelta(days=2)).updated["opening_hours"] == 6


def test_a_booked_service_cannot_be_taken_off_its_counter(db, folder):
    _import(db, SAMPLE)
    booked = _book(db)
    counters = folder / "counters.csv"
    lines = counters.read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith(f"disdukcapil,{booked},"))
    _edit(counters, line, f"disdukcapil,{booked},DKP-02")

    assert _rejected(db, folder) == {("counters.csv", line)}


@pytest.mark.parametrize(
    ("text", "weekday"),
    [("mon", 0), ("Senin", 0), ("jumat", 4), ("jum'at", 4), ("Friday", 4), ("6", 6), ("minggu", 6), ("7", None)],
)
def test_weekdays_in_english_indonesian_or_digits(text, weekday):
    assert parse_weekday(text) == weekday


def test_the_command_prints_every_problem_and_exits_1_or_the_summary(database_url, folder):
    runner = CliRunner()
    env = {"BOOKING_DATABASE_URL": database_url}
    _edit(folder / "services.csv", 2, "disdukcapil,DKP-01,Perekaman KTP-el,0,,")
    _edit(folder / "opening_hours.csv", 3, "Loket 1,selasa,08.00,15.00,15,2,12.00,12.30,2026-12-31,2026-01-01,0")

    refused = runner.invoke(main, ["import", str(folder)], env=env)

    assert refused.exit_code == 1
    assert refused.stderr.splitlines() == [
        "services.csv:2: duration_minutes: The value must be between 1 and 480.",
        "opening_hours.csv:3: valid_until: The end date must not be before the start.",
        "nothing imported: 2 problems",
    ]

    imported = runner.invoke(main, ["import", str(SAMPLE)], env=env)

    assert imported.exit_code == 0, imported.output
    assert "site grobogan imported" in imported.stdout and "services: 12 created" in imported.stdout


def test_a_daily_quota_below_what_is_booked_is_refused(db, folder):
    _import(db, SAMPLE)
    _book(db)  # DKP-01, quota 20
    _edit(folder / "services.csv", 2, "disdukcapil,DKP-01,Perekaman KTP-el (pemula),15,Fotokopi KK,0")

    assert _rejected(db, folder) == {("services.csv", 2)}


def test_files_as_excel_saves_them_in_an_indonesian_locale_import_alike(db, tmp_path):
    """Semicolons, a byte-order mark, CRLF line ends and trailing empty columns."""
    excel = tmp_path / "excel"
    excel.mkdir()
    for source in SAMPLE.glob("*.csv"):
        with source.open(newline="", encoding="utf-8") as file:
            rows = list(csv.reader(file))
        with (excel / source.name).open("w", newline="", encoding="utf-8-sig") as file:
            csv.writer(file, delimiter=";").writerows([*row, "", ""] for row in rows)

    summary = _import(db, excel)

    assert (summary.created["services"], summary.created["counters"], summary.created["opening_hours"]) == (12, 6, 6)
    with db.read() as session:
        assert len(session.scalar(select(Counter).where(Counter.label == "Loket 2")).services) == 4


def test_a_site_names_its_retention_and_privacy_contact_or_keeps_the_defaults(db, folder):
    _import(db, SAMPLE)
    with db.read() as session:
        site = session.scalar(select(Site).where(Site.slug == "grobogan"))
        assert (site.personal_data_retention_days, site.privacy_contact) == (90, "")

    header, row = (folder / "site.csv").read_text(encoding="utf-8").splitlines()[:2]
    _edit(folder / "site.csv", 1, header + ",personal_data_retention_days,privacy_contact")
    _edit(folder / "site.csv", 2, row + ",30,pdp@grobogan.example")
    _import(db, folder)
    with db.read() as session:
        site = session.scalar(select(Site).where(Site.slug == "grobogan"))
        assert (site.personal_data_retention_days, site.privacy_contact) == (30, "pdp@grobogan.example")

    _edit(folder / "site.csv", 2, row + ",0,pdp@grobogan.example")
    assert _rejected(db, folder) == {("site.csv", 2)}
