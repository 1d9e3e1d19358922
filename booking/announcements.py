"""What the hall hears when a ticket is called: the one rule for the spoken call, in Indonesian.

"Nomor antrian A 0 1 2, silakan menuju loket 3". The ticket is read **digit by digit**, letters first, as
the board and the paper ticket show it: A-012 is "a, nol satu dua" (a citizen compares it sign by sign
with the paper in their hand, and no leading zero is lost). The counter's number is read **as an
Indonesian number**, as a clerk says it: Loket 12 is "loket dua belas".

The spoken form spells each letter the way Indonesian names it (D is "de", K is "ka") and writes each
number out in words, so that any Indonesian voice, the TV browser's or espeak-ng's on the server, says the
same sentence. Pure: no database, no clock, no audio.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LETTERS = {
    "A": "a", "B": "be", "C": "ce", "D": "de", "E": "e", "F": "ef", "G": "ge", "H": "ha", "I": "i",
    "J": "je", "K": "ka", "L": "el", "M": "em", "N": "en", "O": "o", "P": "pe", "Q": "ki", "R": "er",
    "S": "es", "T": "te", "U": "u", "V": "fe", "W": "we", "X": "eks", "Y": "ye", "Z": "zet",
}  # fmt: skip
DIGITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
TICKET = re.compile(r"^\s*([A-Za-z]{1,4})\s*-?\s*(\d{1,4})\s*$")
COUNTER_WORD = "loket"
PARTS = re.compile(r"\d+|[^\W\d_]+")  # runs of digits, runs of letters; anything else is a pause


@dataclass(frozen=True)
class Announcement:
    text: str  # what the board may show: "Nomor antrian A 0 1 2, silakan menuju loket 3"
    spoken: str  # what a voice is given: "Nomor antrian a, nol satu dua. Silakan menuju loket tiga."


def announcement(ticket: str, counter: str) -> Announcement:
    """The call of ``ticket`` ("A-012") to ``counter`` (its label: "Loket 3", or just "3")."""
    match = TICKET.match(ticket or "")
    if match is None:
        raise ValueError(f"not a ticket label: {ticket!r}")
    letters, digits = match.group(1).upper(), match.group(2)
    where = " ".join(counter.split())
    if not where:
        raise ValueError("a counter label is needed")
    if where.split()[0].lower() != COUNTER_WORD:
        where = f"{COUNTER_WORD} {where}"
    else:
        where = COUNTER_WORD + where[len(COUNTER_WORD) :]
    text = f"Nomor antrian {' '.join(letters)} {' '.join(digits)}, silakan menuju {where}"
    said_ticket = f"{' '.join(LETTERS[letter] for letter in letters)}, {' '.join(DIGITS[int(d)] for d in digits)}"
    spoken = f"Nomor antrian {said_ticket}. Silakan menuju {_said(where)}."
    return Announcement(text=text, spoken=spoken)


def number_words(number: int) -> str:
    """An Indonesian number in words, 0 to 9999: 12 "dua belas", 105 "seratus lima", 1000 "seribu"."""
    if not 0 <= number <= 9999:
        raise ValueError(f"out of range: {number}")
    if number < 10:
        return DIGITS[number]
    if number < 20:
        return {10: "sepuluh", 11: "sebelas"}.get(number) or f"{DIGITS[number - 10]} belas"
    for size, name, one in ((1000, "ribu", "seribu"), (100, "ratus", "seratus"), (10, "puluh", None)):
        if number >= size:
            head, rest = divmod(number, size)
            said = one if head == 1 and one else f"{number_words(head)} {name}"
            return f"{said} {number_words(rest)}" if rest else said
    raise AssertionError("unreachable")


def _said(words: str) -> str:
    """A counter's label as a voice says it: numbers in words, a lone capital letter by its name."""
    said = []
    for part in PARTS.findall(words):
        if part.isdigit():
            said.append(number_words(int(part)) if len(part) <= 4 else " ".join(DIGITS[int(d)] for d in part))
        elif len(part) == 1 and part.upper() in LETTERS:
            said.append(LETTERS[part.upper()])
        else:
            said.append(part.lower())
    return " ".join(said)
