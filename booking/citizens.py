"""Who books: NIK, name, phone and e-mail checked and normalised, and the one place citizen data is masked.

The NIK is never stored readable: a keyed hash makes the one-booking-per-citizen rule work, and its last
four digits are kept for display. Libraries do the checking: python-stdnum (NIK structure: region, birth
date with +40 for women), phonenumbers (an Indonesian mobile, in E.164), and for e-mail the rule delivery
sends by (``notifications.recipients``, email-validator inside), so that an accepted address can be sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import unicodedata
from dataclasses import dataclass

import phonenumbers
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.id import nik as nik_number

from booking.errors import FieldError
from booking.models import ALL_CHANNELS
from notifications.recipients import sendable_email

NAME_MIN, NAME_MAX = 2, 100
CHANNELS = ALL_CHANNELS
PHONE_REGION = "ID"
MAN_DAYS, WOMAN_DAYS = range(1, 32), range(41, 72)  # a woman's NIK carries her day of birth plus 40


@dataclass(frozen=True)
class Citizen:
    nik: str
    name: str
    phone: str  # E.164
    email: str | None


def check_citizen(
    nik: str, name: str, phone: str, email: str | None, prefix: str = "citizen.", *, phone_required: bool = True
) -> Citizen:
    """Normalise a citizen's details, or raise every problem at once as field errors.

    A walk-in standing at the counter need not give a phone number (``phone_required=False``): it is
    then kept as an empty string and no message is sent.
    """
    errors: list[FieldError] = []
    clean_nik = _check(errors, prefix + "nik", normalise_nik, nik)
    clean_name = _check(errors, prefix + "name", normalise_name, name)
    clean_phone = _check(errors, prefix + "phone", normalise_phone, phone) if phone or phone_required else ""
    clean_email = _check(errors, prefix + "email", normalise_email, email) if email else None
    if errors:
        from booking.errors import InvalidInput

        raise InvalidInput(errors)
    return Citizen(nik=clean_nik, name=clean_name, phone=clean_phone, email=clean_email)


def check_channels(channels: tuple[str, ...], *, no_messages: bool, email: str | None) -> list[FieldError]:
    """How the citizen is to be reached: known channels, each with its contact given, and at least one
    unless they chose no messages outright (then nothing reminds them and they must note the code down)."""
    errors = [
        FieldError(f"channels[{position}]", "channel_unknown")
        for position, channel in enumerate(channels)
        if channel not in CHANNELS
    ]
    if "email" in channels and not email:
        errors.append(FieldError("citizen.email", "email_required"))
    if no_messages and channels:
        errors.append(FieldError("channels", "channels_with_no_messages"))
    elif not no_messages and not channels:
        errors.append(FieldError("channels", "channels_required"))
    return errors


def _check(errors: list[FieldError], field: str, normalise, value):
    try:
        return normalise(value)
    except ValueError as problem:
        errors.append(FieldError(field, str(problem)))
        return None


def normalise_nik(value: str) -> str:
    """16 digits, written with spaces, dots or dashes as on the card or a photocopy ("3316-0117-0885-0001")."""
    digits = nik_number.compact(value)
    if len(digits) != 16 or not (digits.isascii() and digits.isdigit()):
        raise ValueError("nik_format")
    if set(digits[12:]) == {"0"}:
        raise ValueError("nik_invalid")
    nik_birth_date(digits)
    try:
        return nik_number.validate(digits)
    except StdnumError:  # an unknown region
        raise ValueError("nik_invalid") from None


def nik_birth_date(digits: str) -> dt.date:
    """The day of birth in digits 7-12 (DDMMYY), or ValueError ``nik_birth_date``.

    The day field is 01-31 for a man and 41-71 for a woman; python-stdnum takes it modulo 40, which would
    let 81 pass as the 1st, so the field is checked here first. The two-digit year is read in 19YY or 20YY,
    whichever makes a real date (stdnum's rule): 29 February passes in any year divisible by 4, 00 included
    (2000 was a leap year); 31 February or 31 April never does.
    """
    day_field = int(digits[6:8])
    if day_field not in MAN_DAYS and day_field not in WOMAN_DAYS:
        raise ValueError("nik_birth_date")
    try:
        return nik_number.get_birth_date(digits)
    except StdnumError:
        raise ValueError("nik_birth_date") from None


def normalise_name(value: str) -> str:
    name = " ".join(value.split())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise ValueError("name_length")
    if any(unicodedata.category(char).startswith("C") for char in name) or not any(c.isalpha() for c in name):
        raise ValueError("name_invalid")
    return name


def normalise_phone(value: str) -> str:
    """An Indonesian mobile (it must take an SMS or WhatsApp): ``0812…``, ``62812…`` and ``+62812…`` all
    become ``+62812…``. A landline (``phone_landline``) or a foreign number (``phone_not_indonesian``) is
    refused with its own code, so the citizen reads why."""
    raw = value.strip()
    if raw.startswith("62") and not raw.startswith("+"):
        raw = "+" + raw
    try:
        number = phonenumbers.parse(raw, PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValueError("phone_invalid") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("phone_invalid")
    if phonenumbers.region_code_for_number(number) != PHONE_REGION:
        raise ValueError("phone_not_indonesian")
    if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        raise ValueError("phone_landline")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(value: str) -> str:
    """The address as delivery will send it (an internationalised domain in its ASCII form), or ValueError
    with the reason it could not be sent: the rule is delivery's own, so what is accepted arrives."""
    return sendable_email(value.strip())


def nik_hash(secret_key: str, nik: str) -> str:
    return hmac.new(secret_key.encode(), b"nik:" + nik.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ShownCitizen:
    """A booking's citizen as others see it: masked, but for a name the rules let a clerk read in full.
    None where nothing is held (an anonymous walk-in, erased data)."""

    nik: str | None
    name: str | None
    phone: str | None
    email: str | None


def shown_citizen(booking, *, full_name: bool = False) -> ShownCitizen:
    name = booking.citizen_name
    return ShownCitizen(
        nik=mask_nik(booking.citizen_nik_last4) if booking.citizen_nik_last4 else None,
        name=(name if full_name else mask_name(name)) if name else None,
        phone=mask_phone(booking.citizen_phone) if booking.citizen_phone else None,
        email=mask_email(booking.citizen_email) if booking.citizen_email else None,
    )


def mask_nik(last4: str | None) -> str:
    return "*" * 12 + last4 if last4 else ""


def mask_name(name: str | None) -> str:
    return " ".join(word[0] + "*" * (len(word) - 1) for word in (name or "").split())


def mask_phone(e164: str | None) -> str:
    return e164[:6] + "*" * (len(e164) - 9) + e164[-3:] if e164 else ""


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[0]}***@{domain}"
