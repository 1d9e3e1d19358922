"""SMS arithmetic: the GSM-7 alphabet, how many segments a text costs, and making a text GSM-7.

A segment holds 160 GSM-7 septets alone or 153 when concatenated; one character outside GSM-7 turns the
whole message into UCS-2 (70 alone, 67 concatenated). Our SMS texts are made GSM-7 on purpose: the same
budget then carries more than twice the words, and every phone shows them.
"""

from __future__ import annotations

import math
import unicodedata

MAX_SEGMENTS = 2

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")  # two septets each (escape + character)

_PLAIN = {
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\u2022": "-",
    "\u00b7": "-",
    "\u2265": ">=",
    "\u2264": "<=",
    "\u00d7": "x",
    "\u00a0": " ",
    "\t": " ",
}


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def to_gsm7(text: str) -> str:
    """The text in GSM-7: typographic signs made plain, accents dropped where GSM-7 lacks the letter."""
    return "".join(_gsm7_char(char) for char in text)


def _gsm7_char(char: str) -> str:
    if char in GSM7_BASIC or char in GSM7_EXTENSION:
        return char
    if char in _PLAIN:
        return _PLAIN[char]
    folded = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return folded if folded and is_gsm7(folded) else "?"


def units(text: str) -> tuple[str, int]:
    """The encoding a phone would use and the number of units (septets or UTF-16 code units) it costs."""
    if is_gsm7(text):
        return "GSM-7", sum(2 if char in GSM7_EXTENSION else 1 for char in text)
    return "UCS-2", len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    encoding, count = units(text)
    single, multi = (160, 153) if encoding == "GSM-7" else (70, 67)
    return 1 if count <= single else math.ceil(count / multi)


def fits(text: str, max_segments: int = MAX_SEGMENTS) -> bool:
    return segments(text) <= max_segments


def budget(text: str, max_segments: int = MAX_SEGMENTS) -> int:
    """How many units ``max_segments`` segments hold for this text's encoding."""
    single, multi = (160, 153) if units(text)[0] == "GSM-7" else (70, 67)
    return single if max_segments == 1 else multi * max_segments
