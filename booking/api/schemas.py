"""The JSON shapes of the public contract (DESIGN.md) as msgspec structs, and rows turned into them.

Request structs forbid unknown fields; every response shows citizen data masked and times in the
site's zone with their offset.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

import msgspec

from booking import catalogue
from booking.assisted import booked_by_name
from booking.availability import Availability
from booking.bookings import display_code, manage_link
from booking.citizens import shown_citizen
from booking.messages import PERSONAL_DATA_PURPOSES
from booking.models import Agency, Booking, NotificationStatus, Service, Site
from booking.personal_data import HeldData
from booking.privacy_notice import contact_of


class CitizenIn(msgspec.Struct, forbid_unknown_fields=True):
    nik: str
    name: str
    phone: str
    email: str | None = None


# A start as the availability lists it, e.g. 2026-12-01T08:00:00+07:00 (booking.bookings.parse_start reads it).
SLOT_START = msgspec.Meta(description="A slot's start as the availability lists it, with its offset")


class BookingIn(msgspec.Struct, forbid_unknown_fields=True):
    service: str
    start: Annotated[str, SLOT_START]
    citizen: CitizenIn
    # Left out: ["sms"], or none with ``no_messages``. ``[]`` alone is refused: the code would never arrive.
    channels: list[str] | msgspec.UnsetType = msgspec.UNSET
    locale: str = "id"
    no_messages: bool = False  # the citizen chose outright to get no messages and to note the code down
    # the privacy notice version the client showed the citizen; left out: the documented one is recorded
    privacy_notice: Annotated[str, msgspec.Meta(max_length=32)] | msgspec.UnsetType = msgspec.UNSET

    def chosen_channels(self) -> tuple[str, ...]:
        if self.channels is msgspec.UNSET:
            return () if self.no_messages else ("sms",)
        return tuple(self.channels)


class VisitStepIn(msgspec.Struct, forbid_unknown_fields=True):
    service: Annotated[str, msgspec.Meta(max_length=64)]
    start: Annotated[str, SLOT_START]


class VisitCitizenIn(msgspec.Struct, forbid_unknown_fields=True):
    """The first citizen gets the messages (a phone is needed, as for any booking); the others need only NIK
    and name."""

    nik: str
    name: str
    phone: str = ""
    email: str | None = None


class VisitIn(msgspec.Struct, forbid_unknown_fields=True):
    """A visit: every citizen at every step, under the first citizen's booking of the first step."""

    steps: Annotated[list[VisitStepIn], msgspec.Meta(min_length=1, max_length=10)]
    citizens: Annotated[list[VisitCitizenIn], msgspec.Meta(min_length=1, max_length=10)]
    channels: list[str] | msgspec.UnsetType = msgspec.UNSET
    locale: str = "id"
    no_messages: bool = False
    privacy_notice: Annotated[str, msgspec.Meta(max_length=32)] | msgspec.UnsetType = msgspec.UNSET

    def chosen_channels(self) -> tuple[str, ...]:
        if self.channels is msgspec.UNSET:
            return () if self.no_messages else ("sms",)
        return tuple(self.channels)


class ProposedStepOut(msgspec.Struct):
    service: str
    agency: str
    start: dt.datetime
    end: dt.datetime
    remaining: int


class ProposalOut(msgspec.Struct):
    steps: list[ProposedStepOut]


class AssistedCitizenIn(msgspec.Struct, forbid_unknown_fields=True):
    """A citizen booked on their behalf: the phone is needed only for ``sms`` or ``whatsapp``."""

    nik: str
    name: str
    phone: str = ""
    email: str | None = None


class AssistedBookingIn(BookingIn, forbid_unknown_fields=True):
    """What ``BookingIn`` holds, for a clerk or partner booking on a citizen's behalf."""

    citizen: AssistedCitizenIn


class RescheduleIn(msgspec.Struct, forbid_unknown_fields=True):
    start: Annotated[str, SLOT_START]


class SiteOut(msgspec.Struct):
    slug: str
    name: str
    timezone: str
    address: str
    personal_data_retention_days: int  # the privacy notice's "how long": days after the visit
    privacy_contact: str  # the privacy notice's "who to contact", in Indonesian
    channels: list[str]  # how the site can remind a citizen: a booking may ask only for these


class AgencyRef(msgspec.Struct):
    slug: str
    name: str


class AgencyOut(msgspec.Struct):
    slug: str
    name: str
    services_count: int


class ServiceOut(msgspec.Struct):
    code: str
    name: str
    agency: AgencyRef
    duration_minutes: int
    requirements: list[str]
    daily_quota: int | None


class SlotOut(msgspec.Struct):
    start: dt.datetime
    end: dt.datetime
    remaining: int


class DayOut(msgspec.Struct, omit_defaults=True):
    date: dt.date
    status: Literal["open", "full", "closed"]
    slots: list[SlotOut]
    reason: str | None = None


class AvailabilityOut(msgspec.Struct):
    service: str
    timezone: str
    days: list[DayOut]


class CounterOut(msgspec.Struct):
    label: str


class ServiceRef(msgspec.Struct):
    code: str
    name: str
    requirements: list[str]


class CitizenOut(msgspec.Struct, omit_defaults=True):
    """Masked (a clerk's own citizens of the day: the name in full); null where nothing is held."""

    nik: str | None
    name: str | None
    phone: str | None
    email: str | None = None


class NotificationOut(msgspec.Struct):
    kind: str
    channel: str
    status: str
    send_at: dt.datetime | None
    sent_at: dt.datetime | None


class VisitMemberOut(msgspec.Struct):
    """Another booking of the visit: a family member's place, or a later step (checked in by its own code)."""

    code: str
    status: str
    start: dt.datetime
    end: dt.datetime
    service: ServiceRef
    agency: AgencyRef
    counter: CounterOut
    citizen: CitizenOut


class BookingOut(msgspec.Struct, omit_defaults=True):
    code: str
    status: str
    start: dt.datetime
    end: dt.datetime
    timezone: str
    site: str
    service: ServiceRef
    agency: AgencyRef
    counter: CounterOut
    citizen: CitizenOut
    channels: list[str]
    locale: str
    manage_url: str
    notifications: list[NotificationOut]
    created_at: dt.datetime
    manage_token: str | None = None
    booked_by: str | None = None  # the clerk's or partner's account that booked on the citizen's behalf
    # a visit's lead: the other bookings of the visit (family members, later steps); left out otherwise
    visit: list[VisitMemberOut] | None = None


def site_out(site: Site, ready: tuple[str, ...]) -> SiteOut:
    return SiteOut(
        channels=catalogue.offered_channels(site, ready),
        slug=site.slug,
        name=site.name,
        timezone=site.timezone,
        address=site.address,
        personal_data_retention_days=site.personal_data_retention_days,
        privacy_contact=contact_of(site, "id"),
    )


def agency_out(agency: Agency, services_count: int) -> AgencyOut:
    return AgencyOut(slug=agency.slug, name=agency.name, services_count=services_count)


def service_out(service: Service) -> ServiceOut:
    return ServiceOut(
        code=service.code,
        name=service.name,
        agency=AgencyRef(slug=service.agency.slug, name=service.agency.name),
        duration_minutes=service.duration_minutes,
        requirements=list(service.requirements),
        daily_quota=service.daily_quota,
    )


def availability_out(availability: Availability, language: str) -> AvailabilityOut:
    zone = ZoneInfo(availability.site.timezone)
    return AvailabilityOut(
        service=availability.service.code,
        timezone=availability.site.timezone,
        days=[
            DayOut(
                date=day.date,
                status=day.status,
                reason=day.reason(language) if day.reason else None,
                slots=[
                    SlotOut(
                        start=slot.starts_at.astimezone(zone),
                        end=slot.ends_at.astimezone(zone),
                        remaining=slot.remaining,
                    )
                    for slot in day.slots
                ],
            )
            for day in availability.days
        ],
    )


def booking_out(
    booking: Booking, public_url: str, notifications: list, members: list[Booking] | None = None
) -> BookingOut:
    """The booking as its holder sees it (the creation answer adds the manage token to it); a visit's lead with
    its ``members``."""
    zone = ZoneInfo(booking.site.timezone)
    code = display_code(booking.code)
    manage_url = manage_link(public_url, booking.code)
    return BookingOut(
        code=code,
        status=str(booking.status),
        start=booking.starts_at.astimezone(zone),
        end=booking.ends_at.astimezone(zone),
        timezone=booking.site.timezone,
        site=booking.site.slug,
        service=ServiceRef(
            code=booking.service.code, name=booking.service.name, requirements=list(booking.service.requirements)
        ),
        agency=AgencyRef(slug=booking.service.agency.slug, name=booking.service.agency.name),
        counter=CounterOut(label=booking.counter.label),
        citizen=citizen_out(booking),
        channels=list(booking.channels),
        locale=booking.locale,
        manage_url=manage_url,
        notifications=[
            NotificationOut(
                kind=row.kind,
                channel=row.channel,
                # a row a worker holds is still pending to the citizen
                status=NotificationStatus.pending if row.status == NotificationStatus.sending else row.status,
                send_at=row.send_at.astimezone(zone),
                sent_at=row.sent_at.astimezone(zone) if row.sent_at else None,
            )
            for row in notifications
        ],
        booked_by=booked_by_name(booking),
        created_at=booking.created_at.astimezone(zone),
        visit=[visit_member_out(member, zone) for member in members] if members else None,
    )


def visit_member_out(member: Booking, zone: ZoneInfo) -> VisitMemberOut:
    service = member.service
    return VisitMemberOut(
        code=display_code(member.code),
        status=str(member.status),
        start=member.starts_at.astimezone(zone),
        end=member.ends_at.astimezone(zone),
        service=ServiceRef(code=service.code, name=service.name, requirements=list(service.requirements)),
        agency=AgencyRef(slug=service.agency.slug, name=service.agency.name),
        counter=CounterOut(label=member.counter.label),
        citizen=citizen_out(member),
    )


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(max_length=64)]
    password: Annotated[str, msgspec.Meta(max_length=200)]


class ScanIn(msgspec.Struct, forbid_unknown_fields=True):
    scan: Annotated[str, msgspec.Meta(max_length=500)]


class WalkInCitizenIn(msgspec.Struct, forbid_unknown_fields=True):
    nik: str
    name: str
    phone: str = ""


class WalkInIn(msgspec.Struct, forbid_unknown_fields=True):
    service: str
    citizen: WalkInCitizenIn


class StaffBookingOut(msgspec.Struct, omit_defaults=True):
    """A booking as the counter sees it: citizen data masked, no manage link."""

    code: str
    start: dt.datetime
    end: dt.datetime
    service: ServiceRef
    counter: CounterOut
    citizen: CitizenOut
    status: str
    walk_in: bool
    notification_status: str | None = None
    booked_by: str | None = None  # the clerk's or partner's account that booked on the citizen's behalf
    # a place held for a waiting-list offer the citizen has not accepted yet: until when (nobody to check in)
    held_until: dt.datetime | None = None


class CounterScheduleOut(msgspec.Struct):
    label: str
    bookings: list[StaffBookingOut]


class ScheduleOut(msgspec.Struct):
    date: dt.date
    agency: AgencyRef
    timezone: str
    counters: list[CounterScheduleOut]


def staff_booking_out(
    booking: Booking, notification_status: str | None = None, *, full_name: bool = False
) -> StaffBookingOut:
    zone = ZoneInfo(booking.site.timezone)
    return StaffBookingOut(
        code=display_code(booking.code),
        start=booking.starts_at.astimezone(zone),
        end=booking.ends_at.astimezone(zone),
        service=ServiceRef(
            code=booking.service.code, name=booking.service.name, requirements=list(booking.service.requirements)
        ),
        counter=CounterOut(label=booking.counter.label),
        citizen=citizen_out(booking, full_name=full_name),
        status=str(booking.status),
        walk_in=booking.walk_in,
        notification_status=notification_status,
        booked_by=booked_by_name(booking),
        held_until=booking.held_until.astimezone(zone) if booking.held_until else None,
    )


def citizen_out(booking: Booking, *, full_name: bool = False) -> CitizenOut:
    shown = shown_citizen(booking, full_name=full_name)
    return CitizenOut(nik=shown.nik, name=shown.name, phone=shown.phone, email=shown.email)


class HeldCitizenOut(msgspec.Struct):
    """The citizen's data as held, in clear: it is theirs. null: not held (or erased)."""

    nik_last4: str | None
    nik_hash_held: bool  # the NIK itself is never stored: a keyed hash for the one-booking-a-day rule
    name: str | None
    phone: str | None
    email: str | None


class PrivacyNoticeOut(msgspec.Struct):
    version: str | None  # null: booked before notices were recorded (or by staff at the counter)
    accepted_at: dt.datetime | None


class HeldMemberOut(msgspec.Struct):
    """Another booking of the visit the link stands for, and what is held of its citizen (erased with it)."""

    code: str
    citizen: HeldCitizenOut
    erased_at: dt.datetime | None


class PersonalDataOut(msgspec.Struct, omit_defaults=True):
    code: str
    status: str
    citizen: HeldCitizenOut
    purposes: dict[str, str]  # why each piece is held, in the caller's language
    privacy_notice: PrivacyNoticeOut
    retention_days: int
    erase_after: dt.datetime  # when retention erases it at the latest (the visit's end plus the retention)
    erased_at: dt.datetime | None
    contact_kept_until_notice_sent: bool  # erased, but the cancellation notice still needs the phone/e-mail
    contact: str  # whom to ask about it
    visit: list[HeldMemberOut] | None = None  # a visit's lead: the other bookings, erased with it


def personal_data_out(held: HeldData, language: str, members: list[Booking] | None = None) -> PersonalDataOut:
    booking = held.booking
    zone = ZoneInfo(booking.site.timezone)
    visit = [
        HeldMemberOut(
            code=display_code(member.code),
            citizen=_held_citizen(member),
            erased_at=_local(member.personal_data_erased_at, zone),
        )
        for member in members or []
    ]
    return PersonalDataOut(
        code=display_code(booking.code),
        status=str(booking.status),
        citizen=_held_citizen(booking),
        purposes={purpose: PERSONAL_DATA_PURPOSES[purpose](language) for purpose in held.purposes},
        privacy_notice=PrivacyNoticeOut(
            version=booking.privacy_notice_version,
            accepted_at=_local(booking.privacy_notice_accepted_at, zone),
        ),
        retention_days=booking.site.personal_data_retention_days,
        erase_after=held.erase_after.astimezone(zone),
        erased_at=_local(booking.personal_data_erased_at, zone),
        contact_kept_until_notice_sent=held.contact_kept_for_notice,
        contact=contact_of(booking.site, language),
        visit=visit or None,
    )


def _held_citizen(booking: Booking) -> HeldCitizenOut:
    return HeldCitizenOut(
        nik_last4=booking.citizen_nik_last4,
        nik_hash_held=booking.citizen_nik_hash is not None,
        name=booking.citizen_name,
        phone=booking.citizen_phone or None,
        email=booking.citizen_email,
    )


def _local(moment: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    return moment.astimezone(zone) if moment else None
