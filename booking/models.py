"""The domain as rows: sites, agencies, services, counters, opening rules, closures, capacity and bookings.

Every rule that decides who can book what lives in these tables, not in code. Two tables carry the
capacity that is taken and given back: ``slot_loads`` (places per counter per slot) and
``service_day_loads`` (a service's daily quota). Their rows are created on first booking, not
materialised ahead: a slot nobody booked costs nothing, which keeps a national deployment (about 250
sites) at the size of its bookings rather than of its calendar. CHECK constraints make overbooking
impossible whatever the code does.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """An instant stored in UTC and always read back as an aware UTC datetime, on SQLite too."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=dt.UTC)


# Ids are INTEGER columns: 32 bits on PostgreSQL. A larger number names no row, and the database would
# refuse to compare with it ("integer out of range") rather than find nothing.
MAX_ROW_ID = 2**31 - 1


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


ALL_CHANNELS = ("sms", "email", "whatsapp")  # the order pages list them in


class BookingStatus(enum.StrEnum):
    confirmed = "confirmed"
    checked_in = "checked_in"
    served = "served"
    no_show = "no_show"
    cancelled = "cancelled"


class Site(Base):
    __tablename__ = "sites"
    __table_args__ = (
        CheckConstraint("min_lead_minutes >= 0", name="lead_not_negative"),
        CheckConstraint("max_days_ahead >= 1", name="window_at_least_a_day"),
        CheckConstraint("personal_data_retention_days BETWEEN 1 AND 3650", name="retention_range"),
        CheckConstraint("survey_link_days BETWEEN 1 AND 90", name="survey_link_days_range"),
        CheckConstraint("waitlist_hold_minutes BETWEEN 5 AND 240", name="waitlist_hold_range"),
        CheckConstraint("family_max BETWEEN 1 AND 10", name="family_max_range"),
        CheckConstraint("visit_walk_minutes BETWEEN 0 AND 120", name="visit_walk_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(300), default="")
    min_lead_minutes: Mapped[int] = mapped_column(Integer, default=60)
    max_days_ahead: Mapped[int] = mapped_column(Integer, default=30)
    reminder_day_before_at: Mapped[dt.time | None] = mapped_column(
        Time, nullable=True, default=dt.time(16), doc="local time on the day before; NULL: no such reminder"
    )
    reminder_soon_minutes: Mapped[int | None] = mapped_column(
        Integer, nullable=True, default=120, doc="minutes before the start; NULL: no such reminder"
    )
    no_show_grace_minutes: Mapped[int] = mapped_column(
        Integer, default=30, server_default="30", doc="after the start, a booking not checked in becomes a no-show"
    )
    # The queue on the floor (booking/queue.py)
    arrival_early_minutes: Mapped[int] = mapped_column(
        Integer, default=60, server_default="60", doc="how early before their time a booked citizen may take a ticket"
    )
    arrival_late_minutes: Mapped[int] = mapped_column(
        Integer, default=15, server_default="15", doc="how late after their time a booked citizen still keeps it"
    )
    turn_soon_places: Mapped[int] = mapped_column(
        Integer, default=3, server_default="3", doc="tell a waiting citizen when this few are ahead of them"
    )
    recalls_before_missed: Mapped[int] = mapped_column(
        Integer, default=2, server_default="2", doc="a called ticket may be marked missed after this many recalls"
    )
    personal_data_retention_days: Mapped[int] = mapped_column(
        Integer, default=90, server_default="90", doc="a citizen's data is erased this many days after the visit"
    )
    privacy_contact: Mapped[str] = mapped_column(
        String(300), default="", server_default="", doc="whom citizens ask about their data (the privacy notice)"
    )
    survey_link_days: Mapped[int] = mapped_column(
        Integer, default=7, server_default="7", doc="a satisfaction survey's link works this many days after the visit"
    )
    waitlist_hold_minutes: Mapped[int] = mapped_column(
        Integer, default=30, server_default="30", doc="how long a freed place is held for the first on its waiting list"
    )
    family_max: Mapped[int] = mapped_column(
        Integer, default=4, server_default="4", doc="how many citizens one visit may book together (a family)"
    )
    visit_walk_minutes: Mapped[int] = mapped_column(
        Integer, default=10, server_default="10", doc="the margin between one step of a visit and the next"
    )
    channels: Mapped[list[str]] = mapped_column(
        JSON,
        default=lambda: list(ALL_CHANNELS),
        server_default='["sms", "email", "whatsapp"]',
        doc="how the site may reach citizens: some of sms, email, whatsapp (no WhatsApp contract: no whatsapp)",
    )

    agencies: Mapped[list[Agency]] = relationship(back_populates="site", order_by="Agency.sort_order")


class Agency(Base):
    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("site_id", "slug"), UniqueConstraint("site_id", "ticket_prefix"))

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    ticket_prefix: Mapped[str] = mapped_column(String(4), doc="the letters of its queue tickets: DKP in DKP-012")
    active: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true(), doc="False: retired, none of its services is offered"
    )

    site: Mapped[Site] = relationship(back_populates="agencies")
    services: Mapped[list[Service]] = relationship(back_populates="agency", order_by="Service.code")


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (
        UniqueConstraint("site_id", "code"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("daily_quota IS NULL OR daily_quota >= 0", name="quota_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(300))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    requirements: Mapped[list[str]] = mapped_column(JSON, default=list)
    daily_quota: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true(), doc="False: retired, no longer offered; its history stays"
    )

    agency: Mapped[Agency] = relationship(back_populates="services")
    counters: Mapped[list[Counter]] = relationship(secondary="counter_services", back_populates="services")


class Counter(Base):
    """A *loket*: one desk of an agency, serving some of its services."""

    __tablename__ = "counters"
    __table_args__ = (UniqueConstraint("site_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(64))

    services: Mapped[list[Service]] = relationship(secondary="counter_services", back_populates="counters")
    rules: Mapped[list[OpeningRule]] = relationship(back_populates="counter")


class CounterService(Base):
    __tablename__ = "counter_services"

    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id", ondelete="CASCADE"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True, index=True)


class OpeningRule(Base):
    """When a counter takes bookings on one weekday: hours, slot length, places per slot, one break.

    Several rules may cover one weekday (split shifts); ``valid_from``/``valid_until`` bound seasonal
    hours such as Ramadan. Times are wall-clock times in the site's zone.
    """

    __tablename__ = "opening_rules"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("opens_at < closes_at", name="opens_before_closing"),
        CheckConstraint("slot_minutes BETWEEN 5 AND 240", name="slot_length_range"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("walk_in_places BETWEEN 0 AND capacity", name="walk_in_share_within_capacity"),
        CheckConstraint(
            "(break_starts_at IS NULL AND break_ends_at IS NULL) OR "
            "(break_starts_at < break_ends_at AND break_starts_at >= opens_at AND break_ends_at <= closes_at)",
            name="break_inside_hours",
        ),
        CheckConstraint(
            "valid_from IS NULL OR valid_until IS NULL OR valid_from <= valid_until", name="validity_ordered"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer, doc="0 is Monday, as Python's date.weekday()")
    opens_at: Mapped[dt.time] = mapped_column(Time)
    closes_at: Mapped[dt.time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    walk_in_places: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0", doc="places per slot held back from online booking for walk-ins"
    )
    break_starts_at: Mapped[dt.time | None] = mapped_column(Time, nullable=True)
    break_ends_at: Mapped[dt.time | None] = mapped_column(Time, nullable=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    valid_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)

    counter: Mapped[Counter] = relationship(back_populates="rules")


class Closure(Base):
    """Days, or part of a day, on which nobody can book: a national holiday (no site), a site, an agency or
    a counter."""

    __tablename__ = "closures"
    __table_args__ = (
        CheckConstraint("starts_on <= ends_on", name="range_ordered"),
        CheckConstraint(
            "starts_on < ends_on OR from_time IS NULL OR until_time IS NULL OR from_time < until_time",
            name="hours_ordered",
        ),
        Index("ix_closures_range", "starts_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), nullable=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), nullable=True)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id", ondelete="CASCADE"), nullable=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(300), doc="Indonesian, shown to citizens")
    reason_en: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(16), default="manual", doc="'holiday' or 'manual'")
    # Part of a day: closed from ``from_time`` on the first day and/or until ``until_time`` on the last
    # (wall-clock times of the site); None: from the start of the first day, until the end of the last.
    from_time: Mapped[dt.time | None] = mapped_column(Time, nullable=True)
    until_time: Mapped[dt.time | None] = mapped_column(Time, nullable=True)


class CatalogueVersion(Base):
    """One row: a token that changes, by triggers in the database (migration 0017), with every change to the
    catalogue's tables (``booking.rules_cache.CATALOGUE_TABLES``), in the changing transaction. A process keeps
    copies of sites, services and closures only as long as the token it read them under is the current one."""

    __tablename__ = "catalogue_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


class SearchSynonym(Base):
    """Two ways citizens write one thing, for one site's service search ("ektp" and "ktp", "akte" and
    "akta"); kept in plain form (lower case, words one space apart) and used both ways round."""

    __tablename__ = "search_synonyms"
    __table_args__ = (UniqueConstraint("site_id", "term", "means"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    term: Mapped[str] = mapped_column(String(100), doc="what a citizen may type, e.g. 'e ktp'")
    means: Mapped[str] = mapped_column(String(100), doc="what the services' names say, e.g. 'ktp'")


class SlotLoad(Base):
    """Places taken in one slot of one counter. Created on first booking; never over capacity.

    ``booked`` counts every booking in the slot, ``online_booked`` those made online. Online booking
    stops at ``online_capacity`` (capacity minus the walk-in share); a walk-in may take any place left.
    """

    __tablename__ = "slot_loads"
    __table_args__ = (
        UniqueConstraint("counter_id", "starts_at"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="within_capacity"),
        CheckConstraint("online_booked >= 0 AND online_booked <= booked", name="online_within_booked"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id", ondelete="CASCADE"))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    online_capacity: Mapped[int] = mapped_column(Integer)
    online_booked: Mapped[int] = mapped_column(Integer, default=0)


class ServiceDayLoad(Base):
    """Bookings of one service on one local day, against its daily quota."""

    __tablename__ = "service_day_loads"
    __table_args__ = (
        UniqueConstraint("service_id", "day"),
        CheckConstraint("booked >= 0 AND booked <= quota", name="within_quota"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    day: Mapped[dt.date] = mapped_column(Date)
    quota: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)


ACTIVE_BOOKING = text("status <> 'cancelled'")
NOT_ERASED = text("personal_data_erased_at IS NULL")
HELD = text("held_until IS NOT NULL")
CONTACT_KEPT_AFTER_ERASURE = text(
    "personal_data_erased_at IS NOT NULL AND (citizen_phone IS NOT NULL OR citizen_email IS NOT NULL)"
)


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        # One active booking per citizen per service per day; a cancelled one no longer counts.
        Index(
            "uq_bookings_citizen_service_day",
            "service_id",
            "local_date",
            "citizen_nik_hash",
            unique=True,
            sqlite_where=ACTIVE_BOOKING,
            postgresql_where=ACTIVE_BOOKING,
        ),
        Index("ix_bookings_counter_starts_at", "counter_id", "starts_at"),
        # The daily report reads a site's days, not its whole history (kept after personal data is erased).
        Index("ix_bookings_site_local_date", "site_id", "local_date"),
        # What retention has still to erase: small, since older bookings leave it once erased.
        Index(
            "ix_bookings_awaiting_erasure",
            "site_id",
            "ends_at",
            sqlite_where=NOT_ERASED,
            postgresql_where=NOT_ERASED,
        ),
        # Erased bookings whose phone or e-mail is kept until their cancellation notice is sent.
        Index(
            "ix_bookings_contact_kept",
            "id",
            sqlite_where=CONTACT_KEPT_AFTER_ERASURE,
            postgresql_where=CONTACT_KEPT_AFTER_ERASURE,
        ),
        # Places held for waiting-list offers: what the hold sweep reads (few rows, only while held).
        Index("ix_bookings_held_until", "held_until", sqlite_where=HELD, postgresql_where=HELD),
        CheckConstraint("status IN ('confirmed', 'checked_in', 'served', 'no_show', 'cancelled')", name="status_known"),
        CheckConstraint("starts_at < ends_at", name="starts_before_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="RESTRICT"))
    counter_id: Mapped[int] = mapped_column(ForeignKey("counters.id", ondelete="RESTRICT"))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    local_date: Mapped[dt.date] = mapped_column(Date, doc="the day in the site's zone, for per-day rules")
    status: Mapped[str] = mapped_column(String(16), default=BookingStatus.confirmed)
    revision: Mapped[int] = mapped_column(Integer, default=0, doc="counts reschedules; reminders carry it")
    walk_in: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), doc="booked by staff at the counter"
    )
    # The citizen's data: absent for an anonymous walk-in (a kiosk ticket) and once erased (UU PDP).
    citizen_nik_hash: Mapped[str | None] = mapped_column(
        String(64), nullable=True, doc="keyed hash: the rule works, the NIK is unreadable"
    )
    citizen_nik_last4: Mapped[str | None] = mapped_column(String(4), nullable=True)
    citizen_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    citizen_phone: Mapped[str | None] = mapped_column(String(20), nullable=True, doc="E.164")
    citizen_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    locale: Mapped[str] = mapped_column(String(5), default="id")
    privacy_notice_version: Mapped[str | None] = mapped_column(
        String(16), nullable=True, doc="the privacy notice the citizen was shown and agreed to by booking"
    )
    privacy_notice_accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    personal_data_erased_at: Mapped[dt.datetime | None] = mapped_column(
        UTCDateTime, nullable=True, doc="when the citizen's data was erased (on request or by retention)"
    )
    manage_token_salt: Mapped[str] = mapped_column(String(32), doc="with the server secret, derives the token")
    manage_token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(
        String(300), nullable=True, doc="why the MPP cancelled it, in the booking's language"
    )
    checked_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    served_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    booked_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"),
        nullable=True,
        doc="the clerk or partner account that booked on the citizen's behalf; NULL: the citizen booked",
    )
    held_until: Mapped[dt.datetime | None] = mapped_column(
        UTCDateTime,
        nullable=True,
        doc="a place held for a waiting-list offer until then; NULL: an ordinary booking (or the offer accepted)",
    )
    visit_lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
        doc="the booking whose code and link stand for the visit (its own id on the lead); NULL: booked alone",
    )

    site: Mapped[Site] = relationship()
    service: Mapped[Service] = relationship()
    counter: Mapped[Counter] = relationship()
    booked_by: Mapped[StaffUser | None] = relationship()


class WaitlistStatus(enum.StrEnum):
    waiting = "waiting"
    offered = "offered"  # a place was held for it (``hold``): never offered another


class WaitlistEntry(Base):
    """A citizen waiting for a place in a full day of a service (``booking.waitlist``), or in the first of
    several full days that frees a place (``local_date`` to ``last_date``).

    One entry per citizen per service per day (the unique index on the first day; ``join`` refuses one whose
    days meet another of the citizen's); the list's order is ``id``. Leaving the list deletes the row;
    retention deletes those whose days have all gone by.
    """

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        UniqueConstraint("service_id", "local_date", "citizen_nik_hash"),
        Index("ix_waitlist_entries_service_id_local_date_status", "service_id", "local_date", "status"),
        Index("ix_waitlist_entries_site_id_local_date", "site_id", "local_date"),
        CheckConstraint("status IN ('waiting', 'offered')", name="status_known"),
        CheckConstraint("last_date >= local_date", name="days_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    local_date: Mapped[dt.date] = mapped_column(Date, doc="the (first) day waited for, in the site's zone")
    last_date: Mapped[dt.date] = mapped_column(Date, doc="the last day waited for: local_date for a single day")
    public_id: Mapped[str] = mapped_column(String(32), unique=True, doc="the public half of the entry link's token")
    status: Mapped[str] = mapped_column(String(16), default=WaitlistStatus.waiting)
    citizen_nik_hash: Mapped[str] = mapped_column(String(64))
    citizen_nik_last4: Mapped[str] = mapped_column(String(4))
    citizen_name: Mapped[str] = mapped_column(String(100))
    citizen_phone: Mapped[str] = mapped_column(String(20), doc="E.164")
    citizen_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    locale: Mapped[str] = mapped_column(String(5), default="id")
    privacy_notice_version: Mapped[str | None] = mapped_column(String(16), nullable=True)
    hold_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="SET NULL"), nullable=True, index=True, doc="the place offered"
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    offered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    site: Mapped[Site] = relationship()
    service: Mapped[Service] = relationship()
    hold: Mapped[Booking | None] = relationship()


class TicketStatus(enum.StrEnum):
    waiting = "waiting"
    called = "called"
    serving = "serving"
    done = "done"
    missed = "missed"


ACTIVE_AT_COUNTER = text("status IN ('called', 'serving')")


class Ticket(Base):
    """A citizen's place in the day's queue of an agency: one leg of their visit.

    A booked citizen's ticket is made when they arrive (it checks the booking in); a walk-in's with a
    walk-in booking, which holds their place in a slot. A transfer to another service ends this leg and
    starts the next one under the same number (``leg`` + 1), keeping the citizen's place in the day.
    """

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("site_id", "local_date", "prefix", "number", "leg"),
        UniqueConstraint("booking_id", "leg"),  # one code gives one ticket, however often it is scanned
        # a counter calls or serves one citizen at a time, whatever two clerks press at once
        Index("uq_tickets_counter_active", "counter_id", unique=True, sqlite_where=ACTIVE_AT_COUNTER,
              postgresql_where=ACTIVE_AT_COUNTER),
        Index("ix_tickets_agency_day_status", "agency_id", "local_date", "status"),
        CheckConstraint("status IN ('waiting', 'called', 'serving', 'done', 'missed')", name="status_known"),
        CheckConstraint("kind IN ('booked', 'walk_in')", name="kind_known"),
        CheckConstraint("status NOT IN ('called', 'serving') OR counter_id IS NOT NULL", name="called_to_a_counter"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="RESTRICT"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"), nullable=True)
    local_date: Mapped[dt.date] = mapped_column(Date)
    prefix: Mapped[str] = mapped_column(String(4))
    number: Mapped[int] = mapped_column(Integer)
    leg: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(8), doc="booked (on time) or walk_in (walked in, or came too late)")
    priority: Mapped[str | None] = mapped_column(String(16), nullable=True, doc="a priority group; NULL: none")
    due_at: Mapped[dt.datetime | None] = mapped_column(
        UTCDateTime, nullable=True, doc="a booked citizen's slot start: called no later than this"
    )
    queued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, doc="orders walk-ins: arrival, or comeback")
    status: Mapped[str] = mapped_column(String(8), default=TicketStatus.waiting)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id", ondelete="SET NULL"), nullable=True)
    recalls: Mapped[int] = mapped_column(Integer, default=0)
    comebacks: Mapped[int] = mapped_column(Integer, default=0)
    # the times the reports read
    arrived_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    called_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True, doc="first call")
    last_called_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True, doc="latest call or recall")
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    missed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    transferred: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), doc="this leg ended by a transfer to the next"
    )

    agency: Mapped[Agency] = relationship()
    service: Mapped[Service] = relationship()
    counter: Mapped[Counter | None] = relationship()
    booking: Mapped[Booking | None] = relationship()


class TicketNumber(Base):
    """The last ticket number given by an agency on a day: taken with one conditional UPDATE."""

    __tablename__ = "ticket_numbers"
    __table_args__ = (UniqueConstraint("agency_id", "local_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    local_date: Mapped[dt.date] = mapped_column(Date)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class IdempotencyKey(Base):
    """A booking creation remembered by its ``Idempotency-Key``, written in the booking's own transaction.

    The key is stored only as a hash, the first answer without its manage token (a replay derives it).
    """

    __tablename__ = "idempotency_keys"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), nullable=True, index=True, doc="erasure finds its keys"
    )
    response_body: Mapped[str] = mapped_column(Text, doc="the first 201 body, without the manage token")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class NotificationStatus(enum.StrEnum):
    pending = "pending"
    sending = "sending"  # a worker holds it until lease_until; shown as pending
    sent = "sent"
    failed = "failed"
    cancelled = "cancelled"


class Notification(Base):
    """One message to one channel: the transactional outbox row. The row is the truth; a queue message
    is only a wake-up call. Written in the same transaction as the booking change it announces."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("booking_id", "kind", "channel", "revision"),
        Index("ix_notifications_status_send_at", "status", "send_at"),
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')", name="status_known"),
        CheckConstraint("channel IN ('sms', 'email', 'whatsapp')", name="channel_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    revision: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=NotificationStatus.pending)
    send_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    booking: Mapped[Booking] = relationship()


class StaffRole(enum.StrEnum):
    admin = "admin"  # the whole site: its rules, every agency's schedule, the audit log
    staff = "staff"  # one agency: its schedule and its counters' work
    partner = "partner"  # an assisted-booking partner (a kantor desa): books for citizens of one site, nothing else


class StaffUser(Base):
    """A clerk, a site administrator or an assisted-booking partner. The password is kept only as an Argon2
    hash."""

    __tablename__ = "staff_users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'staff', 'partner')", name="role_known"),
        CheckConstraint("role <> 'staff' OR agency_id IS NOT NULL", name="staff_have_an_agency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), nullable=True)
    token_version: Mapped[int] = mapped_column(
        Integer, default=0, doc="raised by a password change: every token issued before stops working"
    )
    active: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true(), doc="False: disabled, can neither sign in nor use a token"
    )
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship()
    agency: Mapped[Agency | None] = relationship()


class AuditEntry(Base):
    """One staff or admin action: who, what, when, before and after. Written in the action's transaction."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_site_id_at", "site_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), nullable=True)
    actor: Mapped[str] = mapped_column(String(64), doc="username, or 'cli' for the command line")
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(120), doc="what it touched, e.g. 'booking:FBJ5HX5W'")
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)


SURVEY_ELEMENTS = 9  # PermenPANRB 14/2017: the nine elements (unsur) of the SKM, in the regulation's order


class Survey(Base):
    """A citizen's satisfaction survey (SKM) for one visit: made when the visit's booking is served.

    The link's token is ``public_id`` and an HMAC of it with the server secret (``booking.survey``): the row
    alone does not give the link away, and a worker or the ticket's page derives it to show it.
    """

    __tablename__ = "surveys"
    __table_args__ = (Index("ix_surveys_site_id_visit_date", "site_id", "visit_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="SET NULL"), nullable=True, unique=True, doc="one survey per visit"
    )
    visit_date: Mapped[dt.date] = mapped_column(Date, doc="the day of the visit in the site's zone")
    public_id: Mapped[str] = mapped_column(String(32), unique=True, doc="the public half of the link's token")
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    agency: Mapped[Agency] = relationship()
    service: Mapped[Service] = relationship()


class SurveyAnswer(Base):
    """The answer to a survey: one per survey (its primary key), each element 1-4, an optional comment."""

    __tablename__ = "survey_answers"
    __table_args__ = tuple(
        CheckConstraint(f"u{n} BETWEEN 1 AND 4", name=f"u{n}_range") for n in range(1, SURVEY_ELEMENTS + 1)
    )

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    u1: Mapped[int] = mapped_column(Integer, doc="persyaratan")
    u2: Mapped[int] = mapped_column(Integer, doc="sistem, mekanisme dan prosedur")
    u3: Mapped[int] = mapped_column(Integer, doc="waktu penyelesaian")
    u4: Mapped[int] = mapped_column(Integer, doc="biaya/tarif")
    u5: Mapped[int] = mapped_column(Integer, doc="produk spesifikasi jenis pelayanan")
    u6: Mapped[int] = mapped_column(Integer, doc="kompetensi pelaksana")
    u7: Mapped[int] = mapped_column(Integer, doc="perilaku pelaksana")
    u8: Mapped[int] = mapped_column(Integer, doc="penanganan pengaduan, saran dan masukan")
    u9: Mapped[int] = mapped_column(Integer, doc="sarana dan prasarana")
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
