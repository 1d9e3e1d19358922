"""Counting SMS segments the way phones do, and making text GSM-7."""

from __future__ import annotations

import pytest

from notifications import sms


@pytest.mark.parametrize(
    "text, segments",
    [("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3), ("[" * 80, 1), ("[" * 81, 2),
     ("é" * 160, 1), ("\u2265" * 70, 1), ("\u2265" * 71, 2), ("\u2265" * 134, 2), ("\u2265" * 135, 3)],
)  # fmt: skip
def test_segments_follow_gsm7_and_ucs2_limits(text, segments):
    assert sms.segments(text) == segments


def test_to_gsm7_makes_typography_plain_and_keeps_gsm_letters():
    assert (
        sms.to_gsm7("usia \u226517 th \u2013 \u201cKTP\u201d \u2026 Caf\u00e9 \u00c5")
        == 'usia >=17 th - "KTP" ... Café Å'
    )
    assert sms.to_gsm7("Kantor Pertanahan \u0101 \u2603") == "Kantor Pertanahan a ?"
    assert sms.is_gsm7(sms.to_gsm7("\u5317\u4eac \u00e7\u00e3o"))
