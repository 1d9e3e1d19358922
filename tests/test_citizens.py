"""Citizen details: NIK structure, phone numbers in E.164, e-mail, names, and masking."""

from __future__ import annotations

import pytest

from booking.citizens import (
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


@pytest.mark.parametrize("nik", ["3316011708850001", "3316015708850002", "3171011708450001", "3316 0117 0885 0001"])
def test_plausible_niks_are_accepted(nik):
    assert normalise_nik(nik) == nik.replace(" ", "")


@pytest.mark.parametrize(
    ("nik", "problem"),
    [
        ("331601170885000", "nik_format"),  # 15 digits
        ("33160117088500012", "nik_format"),  # 17 digits
        ("33160117088500O1", "nik_format"),  # a letter O
        ("0000000000000000", "nik_invalid"),
        ("9916011708850001", "nik_invalid"),  # no such province
        ("3316013208850001", "nik_invalid"),  # day 32
        ("3316017208850001", "nik_invalid"),  # day 32 for a woman (72 - 40)
        ("3316011713850001", "nik_invalid"),  # month 13
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


@pytest.mark.parametrize("phone", ["12345", "0296 531234", "+62 296 531234", "abc", "", "0812"])
def test_numbers_that_cannot_take_an_sms_are_refused(phone):
    with pytest.raises(ValueError, match="phone_invalid"):
        normalise_phone(phone)


def test_email_is_checked_and_normalised():
    assert normalise_email(" Siti@Example.COM ") == "Siti@example.com"
    with pytest.raises(ValueError, match="email_invalid"):
        normalise_email("siti@")


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
