"""Which e-mail addresses a message can be sent to: the one rule booking accepts by and delivery sends by.

Booking (``booking.citizens``) keeps an address only in the form ``sendable_email`` returns, and delivery
sends only what ``sendable_email`` returns, so an address that was accepted can always be handed to the
mail server. It lives here, in the package that sends, because sending is what decides: a rule of
booking's own drifted from it before (booking took ``o'neil@…`` and ``warga@bücher.de``, delivery did not).

email-validator checks the syntax (RFC 5322 dot-atoms, a real domain name, no quoted local parts, no IP
literals) and converts an internationalised domain to its ASCII form (IDNA: ``bücher.de`` becomes
``xn--bcher-kva.de``), which every mail server accepts. What it lets through and we cannot send is refused
with its own field error code (the ``ValueError``'s text):

- ``email_not_ascii``: letters outside ASCII before the ``@`` need SMTPUTF8, which we do not rely on;
- ``email_too_long``: a local part over 64 characters (RFC 5321 4.5.3.1.1), which servers may refuse;
- ``email_character``: a quote (``'``), which Apprise reads as the end of a display name, so that
  ``o'neil@example.com`` would be sent to ``neil@example.com``;
- ``email_invalid``: anything else that is not an address.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

LOCAL_PART_MAX = 64
APPRISE_CANNOT_CARRY = frozenset("'")


def sendable_email(value: str) -> str:
    """The address as it is sent: the local part as given, the domain in lower-case ASCII.

    Raises ValueError whose text is the field error code (see the module's docstring). Nothing is trimmed:
    tidying what a citizen typed is the form's business, and a stray newline here is refused.
    """
    local_part = value.rpartition("@")[0]
    if not local_part.isascii():
        raise ValueError("email_not_ascii")
    if APPRISE_CANNOT_CARRY.intersection(local_part):
        raise ValueError("email_character")
    try:
        checked = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise ValueError("email_invalid") from None
    if len(checked.local_part) > LOCAL_PART_MAX:
        raise ValueError("email_too_long")
    return checked.ascii_email
