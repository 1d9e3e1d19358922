"""Citizen details: NIK structure and birth date, Indonesian mobiles in E.164, e-mail, names, how the citizen
is reached, and masking."""

from __future__ import annotations

import pytest

from booking.citizens import (
    check_channels,
    mask_email,
    mask_name,
    mask_nik,
    mask_phone,
    nik_hash,
    normalise_email,
    normalise_name,
    normalise_nik,
    normalise_phone,
)


@pytest.mark.parametrize(
    "nik",
    [
        "3316011708850001",
        "3316015708850002",  # a woman: the 17th plus 40
        "3171011708450001",
        "3316 0117 0885 0001",
        "3316.0117.0885.0001",
        "3316-0117-0885-0001",  # dashes, as on many photocopies and forms
        " 3316011708850001 ",
    ],
)
def test_plausible_niks_are_accepted(nik):
    assert normalise_nik(nik) == "".join(char for char in nik if char.isdigit())


@pytest.mark.parametrize(
    "nik",
    [
        "3316013112850001",  # 31 December
        "3316017112850002",  # 31 December, a woman (71 = 31 + 40)
        "3316014101850002",  # 1 January, a woman (41)
        "3316012902880001",  # 29 February 1988
        "3316016902880002",  # 29 February 1988, a woman
        "3316012902000001",  # 29 February 2000 (1900 was no leap year, 2000 was: 00 is read as 2000)
        "3316012802850001",  # 28 February in a common year
        "3316013004850001",  # 30 April
    ],
)
def test_every_real_birth_day_is_accepted(nik):
    assert normalise_nik(nik) == nik


@pytest.mark.parametrize(
    "nik",
    [
        "3316010008850001",  # day 00
        "3316013208850001",  # day 32
        "3316014008850001",  # day 40: neither a man's day nor a woman's (41-71)
        "3316017208850001",  # day 72 (32 + 40)
        "3316018108850001",  # day 81: python-stdnum alone reads it as the 1st (81 mod 40)
        "3316019908850001",  # day 99
        "3316013102850001",  # 31 February
        "3316017102850002",  # 31 February, a woman
        "3316013104850001",  # 31 April
        "3316012902850001",  # 29 February 1985 (and 2085): no leap year
        "3316016902850002",  # 29 February 1985, a woman
        "3316011700850001",  # month 00
        "3316011713850001",  # month 13
    ],
)
def test_a_birth_date_that_is_no_real_day_is_refused(nik):
    with pytest.raises(ValueError, match="nik_birth_date"):
        normalise_nik(nik)


@pytest.mark.parametrize(
    ("nik", "problem"),
    [
        ("331601170885000", "nik_format"),  # 15 digits
        ("33160117088500012", "nik_format"),  # 17 digits
        ("33160117088500O1", "nik_format"),  # a letter O
        ("3316_0117_0885_0001", "nik_format"),  # underscores are no separators
        ("0000000000000000", "nik_invalid"),
        ("9916011708850001", "nik_invalid"),  # no such province
        ("3316011708850000", "nik_invalid"),  # serial 0000
    ],
)
def test_implausible_niks_are_refused(nik, problem):
    with pytest.raises(ValueError, match=problem):
        normalise_nik(nik)


@pytest.mark.parametrize(
    "phone", ["081234567890", "+6281234567890", "6281234567890", "0812-3456-7890", "+62 812 3456 7890"]
)
def test_mobile_numbers_become_e164(phone):
    assert normalise_phone(phone) == "+6281234567890"


@pytest.mark.parametrize("phone", ["12345", "abc", "", "0812", "+6521234567", "+62 812"])
def test_what_is_no_phone_number_is_refused(phone):
    with pytest.raises(ValueError, match="phone_invalid"):
        normalise_phone(phone)


@pytest.mark.parametrize("phone", ["0296 531234", "+62 296 531234", "021 5551234", "+62215551234"])
def test_a_landline_is_refused_as_a_landline(phone):
    with pytest.raises(ValueError, match="phone_landline"):
        normalise_phone(phone)


@pytest.mark.parametrize(
    "phone",
    ["+12015550123", "+447911123456", "+60123456789", "+6591234567"],  # US, UK, Malaysian, Singaporean mobiles
)
def test_a_foreign_number_is_refused_as_not_indonesian(phone):
    with pytest.raises(ValueError, match="phone_not_indonesian"):
        normalise_phone(phone)


def test_email_is_checked_and_normalised_as_delivery_will_send_it():
    assert normalise_email(" Siti@Example.COM ") == "Siti@example.com"
    assert normalise_email("warga@Bücher.de") == "warga@xn--bcher-kva.de"
    with pytest.raises(ValueError, match="email_invalid"):
        normalise_email("siti@")
    with pytest.raises(ValueError, match="email_character"):
        normalise_email("o'neil@example.com")


@pytest.mark.parametrize(
    ("channels", "no_messages", "email", "expected"),
    [
        (("sms",), False, None, []),
        (("sms", "email"), False, "siti@example.com", []),
        ((), True, None, []),
        ((), False, None, [("channels", "channels_required")]),
        (("sms",), True, None, [("channels", "channels_with_no_messages")]),
        (("email",), False, None, [("citizen.email", "email_required")]),
        (("sms", "pigeon"), False, None, [("channels[1]", "channel_unknown")]),
    ],
)
def test_a_citizen_is_reached_by_at_least_one_channel_unless_they_chose_no_messages(
    channels, no_messages, email, expected
):
    errors = check_channels(channels, no_messages=no_messages, email=email)
    assert [(error.field, error.code) for error in errors] == expected


@pytest.mark.parametrize(
    ("raw", "clean"), [("  Siti   Aminah ", "Siti Aminah"), ("I Gusti Ngurah Rai", "I Gusti Ngurah Rai")]
)
def test_names_are_tidied(raw, clean):
    assert normalise_name(raw) == clean


@pytest.mark.parametrize("name", ["A", "x" * 101, "12345", "Siti\x00Aminah"])
def test_names_out_of_bounds_are_refused(name):
    with pytest.raises(ValueError, match="name_"):
        normalise_name(name)


def test_the_nik_hash_is_keyed():
    assert nik_hash("one key", "3316011708850001") != nik_hash("another key", "3316011708850001")
    assert "3316011708850001" not in nik_hash("one key", "3316011708850001")


def test_masks_hide_all_but_a_hint():
    assert mask_nik("0001") == "************0001"
    assert mask_name("Siti Aminah") == "S*** A*****"
    assert mask_phone("+6281234567890") == "+62812*****890"
    assert mask_email("siti@example.com") == "s***@example.com"
