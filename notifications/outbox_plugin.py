"""``outbox://``: an Apprise plugin that writes each message as a file, for the embedded default.

``outbox:///abs/path/var/outbox?to={to}`` puts one file per message in that folder: a ``.txt`` with
the recipient and the text for sms and whatsapp, an ``.eml`` (RFC 5322, plain text and HTML, the .ics
attached) for e-mail, which any mail program opens. A newcomer sees exactly what a citizen would get.
File names start with the UTC time, so ``ls`` shows them in order; a message sent twice is two files.
The path is always absolute (Apprise reads ``outbox:///srv/x`` and ``outbox://srv/x`` alike).

Registered with Apprise when this module is imported (``notifications.delivery`` imports it).
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import quote, unquote

from apprise import NotifyFormat
from apprise.conversion import convert_between
from apprise.decorators import notify

from notifications import sms
from notifications.render import CHANNELS

SCHEME = "outbox"
DEFAULT_SENDER = "antrian@localhost"


def outbox_url(folder: str | os.PathLike[str]) -> str:
    """The Apprise URL template for an outbox folder: ``outbox:///abs/folder?to={to}``."""
    return f"{SCHEME}://{quote(str(Path(folder).resolve()))}?to={{to}}"


@notify(on=SCHEME, name="Antrian outbox folder")
def write_to_outbox(body, title, notify_type, body_format, meta, *args, attach=None, **kwargs) -> bool:
    """Apprise calls this once per message; False tells Apprise it failed."""
    folder = outbox_folder(meta)
    query = meta.get("qsd") or {}
    recipient = query.get("to", "")
    channel = query.get("channel") if query.get("channel") in CHANNELS else ("email" if "@" in recipient else "sms")
    message_id = re.sub(r"[^A-Za-z0-9._-]", "_", query.get("id", ""))[:64] or "message"
    if channel == "email":
        content = email_file(body, title, body_format, recipient, query.get("from") or DEFAULT_SENDER, attach)
        content_suffix = ".eml"
    else:
        content = text_file(channel, recipient, body, message_id).encode("utf-8")
        content_suffix = ".txt"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    _write_new(folder, f"{stamp}-{channel}-{message_id}", content_suffix, content)
    return True


def outbox_folder(meta: dict) -> Path:
    """The absolute folder of ``outbox:///abs/folder``: Apprise gives its first part as the host."""
    host = unquote(meta.get("host") or "")
    path = unquote(meta.get("fullpath") or "")
    if not host:
        raise ValueError("outbox:// needs an absolute folder, e.g. outbox:///srv/antrian/var/outbox")
    return Path("/" + host + path)


def text_file(channel: str, recipient: str, body: str, message_id: str) -> str:
    headers = [
        f"Channel: {channel}",
        f"To: {recipient}",
        f"Date: {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"Message-Id: {message_id}",
    ]
    if channel == "sms":
        encoding, units = sms.units(body)
        headers.append(f"Length: {units} characters, {encoding}, {sms.segments(body)} segment(s)")
    return "\n".join(headers) + "\n\n" + body + "\n"


def email_file(body, title, body_format, recipient: str, sender: str, attach) -> bytes:
    """The e-mail as it would arrive: plain text (derived from the HTML, as Apprise does), HTML, attachments."""
    message = EmailMessage(policy=policy.default.clone(max_line_length=998))  # unfolded, 8-bit: readable
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = " ".join((title or "").split())
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="antrian.local")
    if body_format == NotifyFormat.HTML:
        message.set_content(convert_between(NotifyFormat.HTML, NotifyFormat.TEXT, body))
        message.add_alternative(body, subtype="html")
    else:
        message.set_content(body)
    for attachment in attach or ():
        _attach(message, Path(attachment.path).read_bytes(), attachment.mimetype, attachment.name)
    return bytes(message)


def _attach(message: EmailMessage, data: bytes, mimetype: str | None, name: str | None) -> None:
    """Text (the .ics) stays text, so the calendar entry can be read in the file itself."""
    maintype, _, subtype = (mimetype or "application/octet-stream").partition("/")
    if maintype == "text":
        try:
            message.add_attachment(data.decode("utf-8"), subtype=subtype, filename=name)
            return
        except UnicodeDecodeError:
            pass
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)


def _write_new(folder: Path, stem: str, suffix: str, content: bytes) -> Path:
    """Write the file whole (a reader never sees half of it) under a name not yet taken."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".writing-", delete=False) as partial:
        partial.write(content)
    number = 0
    try:
        while True:
            target = folder / f"{stem}{f'-{number}' if number else ''}{suffix}"
            try:
                os.link(partial.name, target)
                return target
            except FileExistsError:
                number += 1
    finally:
        os.unlink(partial.name)
