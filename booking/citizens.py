"""Who books: NIK, name, phone and e-mail checked and normalised, and the one place citizen data is masked.

The NIK is never stored readable: a keyed hash makes the one-booking-per-citizen rule work, and its last
four digits are kept for display. Libraries do the checking: python-stdnum (NIK structure: region, birth
date with +40 for women), phonenumbers (E.164), email-validator.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.id import nik as nik_number

from booking.errors import FieldError

NAME_MIN, NAME_MAX = 2, 100
MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


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


def _check(errors: list[FieldError], field: str, normalise, value):
    try:
        return normalise(value)
    except ValueError as problem:
        errors.append(FieldError(field, str(problem)))
        return None


def normalise_nik(value: str) -> str:
    digits = value.replace(" ", "").replace(".", "")
    if len(digits) != 16 or not digits.isdigit():
        raise ValueError("nik_format")
    if set(digits[6:12]) == {"0"} or set(digits[12:]) == {"0"}:
        raise ValueError("nik_invalid")
    try:
        return nik_number.validate(digits)
    except StdnumError:
        raise ValueError("nik_invalid") from None


def normalise_name(value: str) -> str:
    name = " ".join(value.split())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise ValueError("name_length")
    if any(unicodedata.category(char).startswith("C") for char in name) or not any(c.isalpha() for c in name):
        raise ValueError("name_invalid")
    return name


def normalise_phone(value: str) -> str:
    """``0812…``, ``62812…`` and ``+62812…`` all become ``+62812…``; it must reach a mobile (SMS, WhatsApp)."""
    raw = value.strip()
    if raw.startswith("62") and not raw.startswith("+"):
        raw = "+" + raw
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException:
        raise ValueError("phone_invalid") from None
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise ValueError("phone_invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(value: str) -> str:
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValueError("email_invalid") from None


def nik_hash(secret_key: str, nik: str) -> str:
    return hmac.new(secret_key.encode(), b"nik:" + nik.encode(), hashlib.sha256).hexdigest()


# An anonymous walk-in (a kiosk ticket) has no citizen data, nor has a booking whose data was erased:
# the masks then show nothing.


def mask_nik(last4: str | None) -> str:
    return "*" * 12 + last4 if last4 else ""


def mask_name(name: str | None) -> str:
    return " ".join(word[0] + "*" * (len(word) - 1) for word in (name or "").split())


def mask_phone(e164: str | None) -> str:
    return e164[:6] + "*" * (len(e164) - 9) + e164[-3:] if e164 else ""


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[0]}***@{domain}"
