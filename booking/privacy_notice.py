"""The privacy notice a citizen is shown before booking (UU 27/2022), and the one place its version lives.

A booking records the version the citizen was shown and when: the page's form sends the version it
showed, an API client the version it showed (``privacy_notice``), or nothing, and then the current
version is recorded, the one the API documents on its booking operation. A version nobody publishes is
refused. The wording is ``booking.messages.PRIVACY_NOTICE``: a change of wording is a new version here.
"""

from __future__ import annotations

from booking.messages import PRIVACY_CONTACT_FALLBACK, PRIVACY_NOTICE
from booking.models import Site

PRIVACY_NOTICE_VERSION = "2026-12-01"
# Versions still accepted from clients: a new notice is added here, and the one before stays while
# clients that show it are still in use.
ACCEPTED_VERSIONS = frozenset({PRIVACY_NOTICE_VERSION})


def accepted_version(shown: str | None) -> str:
    """The version to record for a booking whose client showed ``shown``; ValueError if it is unknown."""
    if shown is None:
        return PRIVACY_NOTICE_VERSION
    if shown.strip() not in ACCEPTED_VERSIONS:
        raise ValueError("privacy_notice_unknown")
    return shown.strip()


def contact_of(site: Site, language: str) -> str:
    return site.privacy_contact or PRIVACY_CONTACT_FALLBACK(language, site=site.name)


def notice_paragraphs(site: Site, language: str) -> list[str]:
    """The full notice as one site gives it: its retention and its contact."""
    values = {"days": site.personal_data_retention_days, "contact": contact_of(site, language)}
    return [text(language, **values) for text in PRIVACY_NOTICE.values()]


def documented_notice() -> str:
    """The notice as the API documents it (Markdown): both languages, the site's values named."""
    values = {"days": "N", "contact": "`privacy_contact`"}
    parts = [f"**Privacy notice, version {PRIVACY_NOTICE_VERSION}** (show it to the citizen before booking)."]
    for language, title in (("id", "Bahasa Indonesia"), ("en", "English")):
        parts.append(f"*{title}:* " + " ".join(text(language, **values) for text in PRIVACY_NOTICE.values()))
    parts.append(
        "N is the site's `personal_data_retention_days` (90 by default) and `privacy_contact` its contact, "
        "both in `GET /api/v1/sites`. Send the version shown as `privacy_notice`; without it this version "
        "is recorded as the one the citizen agreed to. An unknown version is refused (422)."
    )
    return "\n\n".join(parts)
