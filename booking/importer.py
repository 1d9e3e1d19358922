"""Setting up an MPP from a folder of CSV files (``booking import FOLDER``); the columns are in
``samples/import/README.md``.

Everything is read and checked before anything is written, and every problem is collected with its
file and line (the header is line 1), so an operator fixes a spreadsheet in one pass instead of one
error per run. Any problem rejects the whole import; otherwise it is applied in the caller's one
transaction. Re-importing updates agencies, services and counters in place (by slug, code, label) and
never deletes what the files leave out. A counter's opening hours in the file replace its rules, but
not under a citizen's feet: a counter with future bookings is refused (the admin API checks each
affected booking instead), unless its hours are unchanged.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from booking import audit
from booking.admin import CODE, RULE_FIELDS, SLUG, check_rule, check_text, in_range, rules_overlap
from booking.availability import site_today
from booking.capacity_changes import SCHEDULE_CHANGED, settle_counters, settle_quota
from booking.errors import FieldError, InvalidInput
from booking.messages import FIELD_ERRORS
from booking.models import Agency, Booking, BookingStatus, Counter, OpeningRule, Service, Site
from booking.queue import PREFIX, free_ticket_prefix

REQUIREMENT_SEPARATOR = "|"
COUNTER_SERVICE_SEPARATOR = ";"
WEEKDAY_NAMES = {
    **{name: day for day, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{name: day for day, name in enumerate(("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu"))},
    "jum'at": 4,
    "ahad": 6,
}
TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")  # 08:00 and the Indonesian 08.00

# file -> (required columns, optional columns)
COLUMNS = {
    "site.csv": (
        ("slug", "name", "timezone", "address"),
        ("min_lead_minutes", "max_days_ahead", "personal_data_retention_days", "privacy_contact"),
    ),
    "agencies.csv": (("slug", "name"), ("sort_order", "ticket_prefix")),
    "services.csv": (("agency", "code", "name", "duration_minutes", "requirements"), ("daily_quota",)),
    "counters.csv": (("agency", "label", "services"), ()),
    "opening_hours.csv": (
        ("counter", "weekday", "opens", "closes", "slot_minutes", "capacity"),
        ("break_start", "break_end", "valid_from", "valid_until", "walk_in_places"),
    ),
}
# how an opening rule's fields are called in opening_hours.csv
RULE_COLUMNS = {
    "weekday": "weekday", "opens_at": "opens", "closes_at": "closes", "slot_minutes": "slot_minutes",
    "capacity": "capacity", "walk_in_places": "walk_in_places", "break_starts_at": "break_start",
    "break_ends_at": "break_end", "valid_from": "valid_from", "valid_until": "valid_until",
}  # fmt: skip
KINDS = ("sites", "agencies", "services", "counters", "opening_hours")


@dataclass(frozen=True)
class ImportProblem:
    file: str
    line: int  # the line in the CSV file; the header is line 1
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ImportRejected(Exception):
    """The files have problems; nothing was written."""

    def __init__(self, errors: list[ImportProblem]) -> None:
        super().__init__(f"{len(errors)} problems in the import files")
        self.errors = errors


@dataclass
class ImportSummary:
    """What an import did, per kind; ``opening_hours`` counts counters whose hours were set."""

    site: str
    created: collections.Counter[str] = field(default_factory=collections.Counter)
    updated: collections.Counter[str] = field(default_factory=collections.Counter)
    unchanged: collections.Counter[str] = field(default_factory=collections.Counter)

    def count(self, kind: str, *, created: bool, changed: bool) -> None:
        (self.created if created else self.updated if changed else self.unchanged)[kind] += 1

    def lines(self) -> list[str]:
        """One line per kind, e.g. ``services: 12 created, 0 updated, 0 unchanged``."""
        return [
            f"{kind}: {self.created[kind]} created, {self.updated[kind]} updated, {self.unchanged[kind]} unchanged"
            for kind in KINDS
        ]


@dataclass(frozen=True)
class CsvRow:
    line: int
    values: dict[str, str]
    surplus: int = 0  # values under no column name: usually a comma in an unquoted name

    def __getitem__(self, column: str) -> str:
        return (self.values.get(column) or "").strip()


def read_csv(path: Path) -> tuple[list[str], list[CsvRow]]:
    """The header (lower-cased) and the rows of a UTF-8 CSV file, each with the line it starts on.

    Excel's byte-order mark and its trailing empty columns are dropped, and a header without commas
    but with semicolons (Excel in an Indonesian locale saves so) switches the delimiter. Blank lines
    are skipped.
    """
    with path.open(newline="", encoding="utf-8-sig") as file:
        first = file.readline()
        file.seek(0)
        delimiter = ";" if ";" in first and "," not in first else ","
        reader = csv.reader(file, delimiter=delimiter)
        header = [name.strip().lower() for name in next(reader, [])]
        rows, last_line = [], reader.line_num
        for record in reader:
            if any(value.strip() for value in record):
                cells = list(itertools.zip_longest(header, record, fillvalue=""))
                surplus = sum(1 for name, value in cells if not name and value.strip())
                rows.append(CsvRow(last_line + 1, {name: value for name, value in cells if name}, surplus))
            last_line = reader.line_num
    return header, rows


def split_requirements(text: str) -> list[str]:
    return [item.strip() for item in text.split(REQUIREMENT_SEPARATOR) if item.strip()]


def parse_weekday(text: str) -> int | None:
    """0 (Monday) to 6 from ``mon``..``sun``, ``monday``, ``senin``..``minggu`` or a digit 0-6."""
    name = text.strip().lower()
    if name.isdigit():
        return int(name) if int(name) <= 6 else None
    if name.endswith("day"):  # monday .. sunday
        name = name[:3]
    return WEEKDAY_NAMES.get(name)


# what the files say, checked line by line


@dataclass
class _SiteSpec:
    line: int
    values: dict


@dataclass
class _AgencySpec:
    line: int
    slug: str
    values: dict


@dataclass
class _ServiceSpec:
    line: int
    code: str
    agency: str
    values: dict


@dataclass
class _CounterSpec:
    line: int
    label: str
    agency: str
    services: list[str]


@dataclass
class _RuleSpec:
    line: int
    counter: str
    values: dict

    def key(self) -> tuple:
        return tuple(self.values[name] for name in RULE_FIELDS)


Table = tuple[list[str], list[CsvRow]]  # a file's header and rows


def read_folder(folder: Path) -> dict[str, Table | ImportProblem]:
    """The import files found in the folder; an unreadable one as the problem it has."""
    tables: dict[str, Table | ImportProblem] = {}
    for file in COLUMNS:
        if (folder / file).is_file():
            try:
                tables[file] = read_csv(folder / file)
            except (UnicodeDecodeError, csv.Error) as error:
                tables[file] = ImportProblem(file, 1, f"not a readable UTF-8 CSV file ({error})")
    return tables


class _Files:
    """The tables of one import, and every problem met on the way through them."""

    def __init__(self, tables: dict[str, Table | ImportProblem]) -> None:
        self.tables = tables
        self.problems: list[ImportProblem] = []

    def problem(self, file: str, line: int, message: str) -> None:
        self.problems.append(ImportProblem(file, line, message))

    def rows(self, file: str, *, required: bool = False) -> list[CsvRow] | None:
        """The file's rows; None when it is absent (or unusable: that is a problem already noted)."""
        table = self.tables.get(file)
        if table is None and required:
            self.problem(file, 1, "file missing: every import needs it")
        if isinstance(table, ImportProblem):
            self.problems.append(table)
        if not isinstance(table, tuple):
            return None
        header, rows = table
        needed, optional = COLUMNS[file]
        missing = [column for column in needed if column not in header]
        unknown = [column for column in header if column and column not in needed + optional]
        twice = sorted({column for column in header if column and header.count(column) > 1})
        for column in missing:
            self.problem(file, 1, f"required column '{column}' missing from the header")
        for column in unknown:
            self.problem(file, 1, f"unknown column '{column}' (known: {', '.join(needed + optional)})")
        for column in twice:
            self.problem(file, 1, f"column '{column}' given more than once")
        if missing:
            return None
        for row in rows:
            if row.surplus:
                self.problem(file, row.line, "more values than columns: put a value holding a comma in quotes")
            for column in needed:
                if not row[column] and column not in ("address", "requirements", "services"):
                    self.problem(file, row.line, f"{column}: required")
        return rows

    def repeated(self, file: str, row: CsvRow, column: str, seen: dict, shape: re.Pattern, wrong: str) -> bool:
        """Whether the row's key was given on an earlier line (a problem); a misshapen key is one too."""
        key = row[column]
        if key and not shape.match(key):
            self.problem(file, row.line, f"{column}: '{key}' {wrong}")
        elif key in seen:
            self.problem(file, row.line, f"{column}: '{key}' already given on line {seen[key].line}")
            return True
        return False

    def integer(self, file: str, row: CsvRow, column: str) -> int | None:
        """The column's whole number; None when empty or not a number (a problem then)."""
        text = row[column]
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            self.problem(file, row.line, f"{column}: '{text}' is not a whole number")
            return None

    def field_errors(self, file: str, line: int, errors: list[FieldError], columns: dict[str, str]) -> None:
        for error in errors:
            message = FIELD_ERRORS[error.code]("en", **error.params)
            self.problem(file, line, f"{columns.get(error.field, error.field)}: {message}")


def _read_site(files: _Files) -> _SiteSpec | None:
    rows = files.rows("site.csv", required=True)
    if rows is None:
        return None
    if len(rows) != 1:
        files.problem("site.csv", rows[1].line if rows else 1, f"one site per import: {len(rows)} rows given")
        return None
    row = rows[0]
    values = {name: row[name] for name in ("slug", "name", "timezone", "address")}
    if values["slug"] and not SLUG.match(values["slug"]):
        files.problem("site.csv", row.line, f"slug: '{values['slug']}' is not lower-case letters, digits and -")
    try:
        ZoneInfo(values["timezone"] or "UTC")  # an empty one is reported as missing
    except (ZoneInfoNotFoundError, ValueError):
        files.problem(
            "site.csv", row.line, f"timezone: '{values['timezone']}' is unknown; use an IANA name such as Asia/Jakarta"
        )
    for name in ("min_lead_minutes", "max_days_ahead", "personal_data_retention_days"):
        if row[name]:
            values[name] = files.integer("site.csv", row, name)
    if row["privacy_contact"]:
        values["privacy_contact"] = row["privacy_contact"]
    errors: list[FieldError] = []
    check_text(errors, values, "name", 200)
    for name in ("address", "privacy_contact"):
        if values.get(name):
            check_text(errors, values, name, 300)
    in_range(errors, values, "min_lead_minutes", 0, 7 * 24 * 60)
    in_range(errors, values, "max_days_ahead", 1, 366)
    in_range(errors, values, "personal_data_retention_days", 1, 3650)
    files.field_errors("site.csv", row.line, [e for e in errors if e.code != "required"], {})
    return _SiteSpec(row.line, values)


def _read_agencies(files: _Files) -> dict[str, _AgencySpec]:
    agencies: dict[str, _AgencySpec] = {}
    for position, row in enumerate(files.rows("agencies.csv") or []):
        slug = row["slug"]
        if files.repeated("agencies.csv", row, "slug", agencies, SLUG, "is not lower-case letters, digits and -"):
            continue
        values = {"name": row["name"], "sort_order": files.integer("agencies.csv", row, "sort_order")}
        if values["sort_order"] is None:
            values["sort_order"] = position  # the order of the file
        prefix = row["ticket_prefix"].upper()
        if prefix and not PREFIX.match(prefix):
            files.problem("agencies.csv", row.line, "ticket_prefix: one to four letters, A to Z")
        elif prefix:
            values["ticket_prefix"] = prefix
        errors: list[FieldError] = []
        check_text(errors, values, "name", 200)
        in_range(errors, values, "sort_order", 0, 100_000)
        files.field_errors("agencies.csv", row.line, [e for e in errors if e.code != "required"], {})
        if slug:
            agencies[slug] = _AgencySpec(row.line, slug, values)
    return agencies


def _read_services(files: _Files) -> dict[str, _ServiceSpec]:
    services: dict[str, _ServiceSpec] = {}
    for row in files.rows("services.csv") or []:
        code = row["code"]
        if files.repeated("services.csv", row, "code", services, CODE, "may hold only letters, digits and . _ -"):
            continue
        values = {
            "name": row["name"],
            "duration_minutes": files.integer("services.csv", row, "duration_minutes"),
            "requirements": split_requirements(row["requirements"]),
        }
        if "daily_quota" in row.values:  # an empty cell is no quota; no such column keeps the quota there is
            values["daily_quota"] = files.integer("services.csv", row, "daily_quota")
        errors: list[FieldError] = []
        check_text(errors, values, "name", 300)
        in_range(errors, values, "duration_minutes", 1, 480)
        in_range(errors, values, "daily_quota", 0, 100_000)
        if any(len(requirement) > 300 for requirement in values["requirements"]):
            errors.append(FieldError("requirements", "too_long"))
        files.field_errors("services.csv", row.line, [e for e in errors if e.code != "required"], {})
        if code:
            services[code] = _ServiceSpec(row.line, code, row["agency"], values)
    return services


def _read_counters(files: _Files) -> dict[str, _CounterSpec]:
    counters: dict[str, _CounterSpec] = {}
    for row in files.rows("counters.csv") or []:
        label = row["label"]
        if files.repeated("counters.csv", row, "label", counters, re.compile(r"^.{1,64}$"), "is over 64 characters"):
            continue
        codes = [code.strip() for code in row["services"].split(COUNTER_SERVICE_SEPARATOR) if code.strip()]
        if not codes:
            files.problem("counters.csv", row.line, "services: a counter needs at least one service code")
        if label:
            counters[label] = _CounterSpec(row.line, label, row["agency"], list(dict.fromkeys(codes)))
    return counters


def _read_opening_hours(files: _Files) -> list[_RuleSpec] | None:
    rows = files.rows("opening_hours.csv")
    if rows is None:
        return None
    rules = []
    for row in rows:
        values: dict = {"walk_in_places": 0}
        weekday = parse_weekday(row["weekday"]) if row["weekday"] else None
        if row["weekday"] and weekday is None:
            files.problem(
                "opening_hours.csv",
                row.line,
                f"weekday: '{row['weekday']}' is not mon..sun, senin..minggu or 0 (Monday) to 6",
            )
        values["weekday"] = weekday if weekday is not None else 0  # the problem is noted once, above
        for name in ("opens_at", "closes_at", "break_starts_at", "break_ends_at"):
            values[name] = _time(row[RULE_COLUMNS[name]])
        for name in ("valid_from", "valid_until"):
            values[name] = row[name] or None
        for name in ("slot_minutes", "capacity", "walk_in_places"):
            if row[name]:
                values[name] = files.integer("opening_hours.csv", row, name)
        try:
            checked = check_rule(values, required=True)
        except InvalidInput as invalid:
            files.field_errors(
                "opening_hours.csv",
                row.line,
                [e for e in invalid.errors if e.code != "required"],  # the empty cells are reported already
                RULE_COLUMNS,
            )
            continue
        if row["counter"]:
            rules.append(_RuleSpec(row.line, row["counter"], checked))
    _refuse_overlaps(files, rules)
    return rules


def _time(text: str) -> dt.time | str | None:
    """A wall-clock time from ``08:00`` or ``08.00``; other text is passed on for the check to name."""
    match = TIME.match(text)
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return dt.time(int(match[1]), int(match[2]))
    return text or None


def _refuse_overlaps(files: _Files, rules: list[_RuleSpec]) -> None:
    """Two rules of a counter on one weekday whose hours and validity overlap would double its places."""
    by_day = collections.defaultdict(list)
    for rule in rules:
        by_day[(rule.counter, rule.values["weekday"])].append(rule)
    for same_day in by_day.values():
        for index, later in enumerate(same_day):
            for earlier in same_day[:index]:
                if rules_overlap(earlier.values, later.values):
                    files.problem(
                        "opening_hours.csv", later.line, f"overlaps line {earlier.line} (same counter and weekday)"
                    )
                    break


# checking the files against each other and against the database


@dataclass
class _Plan:
    site: _SiteSpec
    agencies: dict[str, _AgencySpec]
    services: dict[str, _ServiceSpec]
    counters: dict[str, _CounterSpec]
    rules: list[_RuleSpec] | None  # None: opening_hours.csv not given, every counter keeps its rules

    def only_new(self, existing: _Existing) -> _Plan:
        """The part of the plan that creates what does not exist yet."""
        site = self.site if existing.site is None else _SiteSpec(self.site.line, {"slug": existing.site.slug})
        return _Plan(
            site,
            {slug: spec for slug, spec in self.agencies.items() if slug not in existing.agencies},
            {code: spec for code, spec in self.services.items() if code not in existing.services},
            {label: spec for label, spec in self.counters.items() if label not in existing.counters},
            [rule for rule in self.rules or [] if rule.counter not in existing.counters],
        )


@dataclass
class _Existing:
    site: Site | None
    agencies: dict[str, Agency]
    services: dict[str, Service]
    counters: dict[str, Counter]

    def agency_slug(self, agency_id: int) -> str:
        return next(slug for slug, agency in self.agencies.items() if agency.id == agency_id)

    @classmethod
    def of(cls, session: Session, slug: str) -> _Existing:
        site = session.scalar(select(Site).where(Site.slug == slug))
        if site is None:
            return cls(None, {}, {}, {})
        return cls(
            site,
            {a.slug: a for a in session.scalars(select(Agency).where(Agency.site_id == site.id))},
            {s.code: s for s in session.scalars(select(Service).where(Service.site_id == site.id))},
            {
                c.label: c
                for c in session.scalars(
                    select(Counter)
                    .where(Counter.site_id == site.id)
                    .options(selectinload(Counter.services), selectinload(Counter.rules))
                )
            },
        )


def _check_ticket_prefixes(files: _Files, plan: _Plan, existing: _Existing) -> None:
    """Each agency of the site queues under its own letters, in the file and beside the agencies it keeps."""
    owner = {agency.ticket_prefix: slug for slug, agency in existing.agencies.items() if slug not in plan.agencies}
    for slug, spec in plan.agencies.items():
        prefix = spec.values.get("ticket_prefix")
        if prefix is None:
            continue
        if prefix in owner and owner[prefix] != slug:
            files.problem("agencies.csv", spec.line, f"ticket_prefix: '{prefix}' is used by agency '{owner[prefix]}'")
        owner[prefix] = slug


def _check_references(files: _Files, plan: _Plan, existing: _Existing) -> None:
    agency_slugs = set(plan.agencies) | set(existing.agencies)
    unknown_agencies = {spec.agency for spec in plan.services.values()} - agency_slugs  # reported once, below
    for spec in plan.services.values():
        if spec.agency and spec.agency not in agency_slugs:
            files.problem("services.csv", spec.line, f"agency: unknown agency slug '{spec.agency}'")
        old = existing.services.get(spec.code)
        if old is not None and spec.agency in agency_slugs and existing.agency_slug(old.agency_id) != spec.agency:
            files.problem(
                "services.csv",
                spec.line,
                f"agency: service '{spec.code}' belongs to another agency; import cannot move it",
            )
    for spec in plan.counters.values():
        if spec.agency and spec.agency not in agency_slugs:
            files.problem("counters.csv", spec.line, f"agency: unknown agency slug '{spec.agency}'")
            continue
        for code in spec.services:
            if code not in plan.services and code not in existing.services:
                files.problem("counters.csv", spec.line, f"services: service code '{code}' is not defined")
            elif _agency_of_service(plan, existing, code) not in (spec.agency, *unknown_agencies):
                files.problem("counters.csv", spec.line, f"services: '{code}' is a service of another agency")
    for rule in plan.rules or []:
        if rule.counter not in plan.counters and rule.counter not in existing.counters:
            files.problem("opening_hours.csv", rule.line, f"counter: unknown counter label '{rule.counter}'")


def _agency_of_service(plan: _Plan, existing: _Existing, code: str) -> str:
    if code in plan.services:
        return plan.services[code].agency
    return existing.agency_slug(existing.services[code].agency_id)


def _changed_rules(plan: _Plan, existing: _Existing) -> dict[str, list[_RuleSpec]]:
    """The counters whose rules the file changes, with their new rules (an unchanged set is left alone)."""
    if plan.rules is None:
        return {}
    wanted: dict[str, list[_RuleSpec]] = collections.defaultdict(list)
    for rule in plan.rules:
        wanted[rule.counter].append(rule)
    changed = {}
    for label, rules in wanted.items():
        counter = existing.counters.get(label)
        now_in_force = [tuple(getattr(rule, name) for name in RULE_FIELDS) for rule in counter.rules] if counter else []
        if collections.Counter(now_in_force) != collections.Counter(rule.key() for rule in rules):
            changed[label] = rules
    return changed


def _refuse_dropping_bookings(
    files: _Files, session: Session, plan: _Plan, existing: _Existing, changed_rules, now: dt.datetime
) -> None:
    """No import leaves a booked citizen without a place: such changes go through the admin API."""
    if existing.site is None:
        return
    moved = existing.site.timezone != plan.site.values.get("timezone", existing.site.timezone)
    if moved and _future_bookings(session, now, Booking.site_id == existing.site.id):
        files.problem("site.csv", plan.site.line, "timezone: the site has future bookings; its time zone stays")
    for label, rules in changed_rules.items():
        counter = existing.counters.get(label)
        booked = _future_bookings(session, now, Booking.counter_id == counter.id) if counter else 0
        if booked:
            files.problem(
                "opening_hours.csv",
                rules[0].line,
                f"counter '{label}' has {booked} future bookings: change its hours through the admin API "
                "(/api/v1/admin), which checks each affected booking",
            )
    for spec in plan.counters.values():
        counter = existing.counters.get(spec.label)
        dropped = {s.id for s in counter.services if s.code not in spec.services} if counter else set()
        booked = _future_bookings(session, now, Booking.counter_id == counter.id, Booking.service_id.in_(dropped))
        if dropped and booked:
            files.problem(
                "counters.csv",
                spec.line,
                f"services: counter '{spec.label}' has {booked} future bookings of the services left out; "
                "change it through the admin API",
            )
    for spec in plan.services.values():
        service, quota = existing.services.get(spec.code), spec.values.get("daily_quota")
        if service is None or quota is None or quota == service.daily_quota:
            continue
        busiest = session.scalar(  # counted as settle_quota counts: every booking of the site's today on
            select(func.count())
            .where(
                Booking.service_id == service.id,
                Booking.local_date >= site_today(existing.site, now),
                Booking.status != BookingStatus.cancelled,
                Booking.walk_in.is_(False),
            )
            .group_by(Booking.local_date)
            .order_by(func.count().desc())
            .limit(1)
        )
        if busiest and busiest > quota:
            files.problem(
                "services.csv",
                spec.line,
                f"daily_quota: {busiest} citizens are already booked on one day; change it through the admin API",
            )


def _future_bookings(session: Session, now: dt.datetime, *conditions) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(*conditions, Booking.starts_at >= now, Booking.status != BookingStatus.cancelled)
    )


# the one entry point


def import_site(session: Session, folder: Path, *, now: dt.datetime | None = None) -> ImportSummary:
    """Create or update the site the CSV files in ``folder`` describe; raises ImportRejected, writing
    nothing, when any line has a problem. Never commits: the caller's transaction is the import."""
    return import_tables(session, read_folder(folder), now=now)


def import_tables(
    session: Session,
    tables: dict[str, Table | ImportProblem],
    *,
    now: dt.datetime | None = None,
    keep_existing: bool = False,
) -> ImportSummary:
    """``import_site`` from tables already read (keyed by file name, as in ``COLUMNS``).

    ``keep_existing`` (the demo loader's way) leaves what exists exactly as it is, hours included, and
    only creates what is missing.
    """
    now = now or dt.datetime.now(dt.UTC)
    files = _Files(tables)
    site_spec = _read_site(files)
    plan = _Plan(site_spec, _read_agencies(files), _read_services(files), _read_counters(files), None)
    plan.rules = _read_opening_hours(files)
    slug = site_spec.values["slug"] if site_spec else ""
    existing = _Existing.of(session, slug) if slug else _Existing(None, {}, {}, {})
    _check_references(files, plan, existing)
    _check_ticket_prefixes(files, plan, existing)
    if site_spec is None or files.problems:
        raise ImportRejected(sorted(files.problems, key=_in_file_order))

    if keep_existing:
        plan = plan.only_new(existing)
    # Only once every line is sound: a counter whose bad lines were skipped would look changed.
    changed_rules = _changed_rules(plan, existing)
    _refuse_dropping_bookings(files, session, plan, existing, changed_rules, now)
    if files.problems:
        raise ImportRejected(sorted(files.problems, key=_in_file_order))
    return _apply(session, plan, existing, changed_rules, now)


def _in_file_order(problem: ImportProblem) -> tuple:
    return (list(COLUMNS).index(problem.file), problem.line)


def _apply(session: Session, plan: _Plan, existing: _Existing, changed_rules, now: dt.datetime) -> ImportSummary:
    summary = ImportSummary(plan.site.values["slug"])
    site = existing.site or Site(slug=plan.site.values["slug"])
    summary.count("sites", created=existing.site is None, changed=_assign(site, plan.site.values, exclude="slug"))
    session.add(site)
    session.flush()

    agencies = dict(existing.agencies)
    prefixes = {agency.ticket_prefix for agency in agencies.values()} | {
        spec.values["ticket_prefix"] for spec in plan.agencies.values() if "ticket_prefix" in spec.values
    }
    for slug, spec in plan.agencies.items():
        agency = agencies.get(slug) or Agency(site_id=site.id, slug=slug)
        summary.count("agencies", created=slug not in existing.agencies, changed=_assign(agency, spec.values))
        if agency.ticket_prefix is None:  # a new agency the file gave no prefix
            agency.ticket_prefix = free_ticket_prefix(prefixes)
            prefixes.add(agency.ticket_prefix)
        agencies[slug] = agency
        session.add(agency)
    session.flush()

    services = dict(existing.services)
    quota_changed = []
    for code, spec in plan.services.items():
        service = services.get(code) or Service(site_id=site.id, code=code)
        quota_before = service.daily_quota
        values = {**spec.values, "agency_id": agencies[spec.agency].id}
        summary.count("services", created=code not in existing.services, changed=_assign(service, values))
        if code in existing.services and service.daily_quota != quota_before:
            quota_changed.append(service)
        services[code] = service
        session.add(service)
    session.flush()

    reshaped: set[int] = set()  # existing counters whose places may differ now
    for label, spec in plan.counters.items():
        counter = existing.counters.get(label) or Counter(site_id=site.id, label=label, services=[])
        before = (counter.agency_id, {s.code for s in counter.services})
        counter.agency_id = agencies[spec.agency].id
        counter.services = [services[code] for code in spec.services]
        changed = before != (counter.agency_id, set(spec.services))
        summary.count("counters", created=label not in existing.counters, changed=changed)
        if changed and label in existing.counters:
            reshaped.add(counter.id)
        existing.counters.setdefault(label, counter)
        session.add(counter)
    session.flush()

    for label, rules in changed_rules.items():
        counter = existing.counters[label]
        summary.count("opening_hours", created=not counter.rules, changed=True)
        for old in list(counter.rules):
            session.delete(old)
        counter.rules = [OpeningRule(**rule.values) for rule in rules]
        reshaped.add(counter.id)
    summary.unchanged["opening_hours"] += len({rule.counter for rule in plan.rules or []}) - len(changed_rules)
    session.flush()

    # Bookings were checked above; this only brings the capacity rows in line with the new rules.
    for service in quota_changed:
        settle_quota(session, site, service, now=now, force=False, reason=SCHEDULE_CHANGED)
    settle_counters(session, site, reshaped, now=now, force=False, reason=SCHEDULE_CHANGED)
    if not summary.created and not summary.updated:
        return summary
    audit.record(
        session, actor=audit.COMMAND_LINE, action="site.import", target=f"site:{site.slug}", site_id=site.id,
        now=now, after={"created": dict(summary.created), "updated": dict(summary.updated)},
    )  # fmt: skip
    return summary


def _assign(row, values: dict, exclude: str = "") -> bool:
    """Set the row's fields; whether any of them changed."""
    changed = False
    for name, value in values.items():
        if name != exclude and getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed
