"""Finding a service by the words citizens use: "E-KTP", "ektp" and "e ktp" are one word, "akte" is "akta".

Text is compared in a plain form: accents dropped, lower case, every run of punctuation and spaces one
space (``words``); a word written with or without its hyphens matches either way ("ktp-el", "ktpel",
"ktp el"). Each site keeps a small table of synonyms (``search_synonyms``): a row says two ways of writing
are the same thing to a citizen, both ways round, so a query's phrase that is one side also finds
services named by the other. A phrase matches a synonym whatever its spacing ("e ktp" is "ektp").

A word of three letters or fewer must be a whole word of the service ("sim" finds "Perpanjangan SIM", not
"SIMBG"; "kk" finds "Kartu Keluarga (KK)", not the code "DKK-01"); a longer one may be part of a word
("lahir" finds "kelahiran", as Indonesian wraps words in affixes).

A site has hundreds of services, not millions: they are matched here, in Python, the same way on SQLite
and PostgreSQL, rather than in SQL that would need to strip punctuation portably.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.models import SearchSynonym, Service, Site

SHORT_WORD = 3  # at most this long: matched as a whole word only
LONGEST_TERM_WORDS = 4  # a synonym's phrase is looked for over up to this many words of a query
_NOT_A_LETTER = re.compile(r"[^0-9a-z]+")


def words(text: str) -> list[str]:
    """The text's words in plain form: "Perekaman E-KTP (Pemula)" -> ["perekaman", "e", "ktp", "pemula"]."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()
    return _NOT_A_LETTER.sub(" ", folded).split()


def plain(text: str) -> str:
    """How a synonym is kept: its words, one space apart."""
    return " ".join(words(text))


def joined(text: str) -> str:
    """The key a phrase is known by, spaces and punctuation gone: "E-KTP", "e ktp" and "ektp" are "ektp"."""
    return "".join(words(text))


@dataclass(frozen=True)
class Haystack:
    """What a query is matched against: a service's name, code and agency."""

    words: frozenset[str]  # each word, and each whitespace-separated piece joined ("ktp-el" -> "ktpel")
    text: str  # every word and piece, for the part of a word a longer query word may be

    @classmethod
    def of(cls, *texts: str) -> Haystack:
        pieces = [joined(piece) for text in texts for piece in text.split()]
        found = [word for text in texts for word in words(text)] + [piece for piece in pieces if piece]
        return cls(frozenset(found), " ".join(found))

    def has(self, word: str) -> bool:
        return word in self.words if len(word) <= SHORT_WORD else word in self.text


Synonyms = dict[str, set[str]]  # a phrase's key -> the phrases it may be written as (itself included)


def synonym_table(pairs: Iterable[tuple[str, str]]) -> Synonyms:
    """Both ways round: a row "akte" = "akta" lets "akte" find "akta" and "akta" find "akte"."""
    table: Synonyms = {}
    for term, means in pairs:
        for one, other in ((term, means), (means, term)):
            table.setdefault(joined(one), {plain(one)}).add(plain(other))
    return table


def concepts(query: str, synonyms: Synonyms) -> list[set[str]]:
    """The query as the things it asks for, each with the phrases that may stand for it; every one must match.

    Runs of words that spell a synonym (whatever their spacing) are one thing, the longest run first.
    """
    asked, found, start = words(query), [], 0
    while start < len(asked):
        for end in range(min(len(asked), start + LONGEST_TERM_WORDS), start, -1):
            key = "".join(asked[start:end])
            if key in synonyms or end == start + 1:
                found.append({" ".join(asked[start:end]), *synonyms.get(key, ())})
                start = end
                break
    return found


def matches(haystack: Haystack, wanted: list[set[str]]) -> bool:
    """Every thing asked for is there, in one of its phrases (all of a phrase's words present)."""
    return all(any(all(haystack.has(word) for word in phrase.split()) for phrase in phrases) for phrases in wanted)


def find(services: list[Service], query: str, synonyms: Synonyms) -> list[Service]:
    """The services the query finds, in their order; a query with no letters or digits finds none."""
    wanted = concepts(query, synonyms)
    if not wanted:
        return []
    return [
        service for service in services if matches(Haystack.of(service.name, service.code, service.agency.name), wanted)
    ]


def site_synonyms(session: Session, site: Site) -> list[SearchSynonym]:
    return list(
        session.scalars(
            select(SearchSynonym).where(SearchSynonym.site_id == site.id).order_by(SearchSynonym.term, SearchSynonym.id)
        )
    )


def table_of(session: Session, site: Site) -> Synonyms:
    return synonym_table((row.term, row.means) for row in site_synonyms(session, site))


def same_synonym(row: SearchSynonym, term: str, means: str) -> bool:
    """Whether a row already says this (either way round, whatever the spacing)."""
    pair, kept = {joined(term), joined(means)}, {joined(row.term), joined(row.means)}
    return pair == kept


def add_missing_synonyms(session: Session, site: Site, pairs: Iterable[tuple[str, str]]) -> int:
    """The demo's synonyms: each pair not yet known is added; how many were."""
    known = site_synonyms(session, site)
    added = 0
    for term, means in pairs:
        if not any(same_synonym(row, term, means) for row in known):
            row = SearchSynonym(site_id=site.id, term=plain(term), means=plain(means))
            session.add(row)
            known.append(row)
            added += 1
    session.flush()
    return added
