"""Send one rendered message to one recipient through Apprise, and say how it went.

The Apprise URL comes from settings, one per channel, with a ``{to}`` placeholder: the recipient is
checked (E.164 for sms and whatsapp; for e-mail ``recipients.sendable_email``, the rule booking accepts
addresses by, which also gives an internationalised domain its ASCII form) and URL-quoted before it goes
in, so no recipient can add parameters or targets. Apprise's ``notify()`` only says yes or no; the log lines it
captures for the call tell an HTTP status, an SMTP reply or a connection error, which decide whether a
retry can help (``Outcome.permanent``). ``Outcome.error`` and our own log lines carry only a short reason
and the message id: never the recipient, the URL (credentials) or the message (the manage link).

Importing this module registers the ``outbox://`` plugin and keeps Apprise's own log lines, which name
recipients, out of the application's logs (they are read per call, then dropped).
"""

from __future__ import annotations

import logging
import re
import tempfile
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import apprise
import requests

from notifications import outbox_plugin  # noqa: F401 - registers outbox://
from notifications.recipients import sendable_email
from notifications.render import CHANNELS, Rendered

log = logging.getLogger(__name__)

PHONE = re.compile(r"\+[1-9][0-9]{7,14}")  # E.164: "+" and 8 to 15 digits
MESSAGE_ID = re.compile(r"[A-Za-z0-9._:@-]{1,128}")
HTTP_SCHEMES = ("json", "jsons", "form", "forms", "xml", "xmls")  # Apprise's custom HTTP gateways

_ASSET = dict(app_id="Antrian", app_desc="Antrian", app_url="", storage_mode="memory", interpret_emojis=False)


def keep_apprise_logs_private() -> None:
    """Apprise's log lines name recipients (DEBUG ones show payloads): capture them per call, never pass them on.

    Apprise logs the socket exceptions that hold SMTP replies at DEBUG, so its logger must let DEBUG through
    to the per-call capture; it must not propagate to the application's handlers. urllib3 logs each request
    line at DEBUG, query string included, and a gateway URL may carry a key or the number. Called on import
    and again before each send, since a later ``logging.config.dictConfig`` resets existing loggers.
    """
    apprise_logger = logging.getLogger("apprise")
    apprise_logger.setLevel(logging.DEBUG)
    apprise_logger.propagate = False
    apprise_logger.disabled = False  # dictConfig(disable_existing_loggers=True) would blind the capture
    if not any(type(handler) is logging.NullHandler for handler in apprise_logger.handlers):
        apprise_logger.addHandler(logging.NullHandler())
    logging.getLogger("urllib3.connectionpool").setLevel(logging.INFO)


keep_apprise_logs_private()


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    permanent: bool = False  # retrying cannot fix it: invalid number, rejected address, 4xx (not 408/429)
    error: str = ""  # short and safe to store and log: no recipient, no credentials, no token


def deliver(
    channel: str, recipient: str, message: Rendered, *, url_template: str, message_id: str, success: str = ""
) -> Outcome:
    """Send ``message`` to ``recipient`` through the Apprise URL ``url_template`` (with ``{to}``).

    ``success``, for an HTTP gateway (json://, form://, xml://), is a regular expression its answer must
    contain for the message to count as sent: some gateways answer 200 with the error in the body (no
    credit left, a number they refuse), which Apprise takes as sent. Such an answer is a transient failure
    (retried with backoff, then failed), its body never logged (it may name the number).

    Raises ValueError for a mistake of ours or of the settings (unknown channel, a template without
    ``{to}`` or that Apprise cannot use, a malformed message id, a ``success`` that is not a regular
    expression or is given for a URL that is not an HTTP gateway); every delivery problem is an Outcome.
    """
    _require_placeholder(channel, url_template)
    expected = check_success_rule(channel, url_template, success)
    if not isinstance(message_id, str) or not MESSAGE_ID.fullmatch(message_id):
        raise ValueError("message_id must be 1-128 characters of letters, digits and ._:@-")
    address = sendable_recipient(channel, recipient)
    if address is None:
        return _logged(channel, message_id, Outcome(delivered=False, permanent=True, error="invalid recipient"))
    keep_apprise_logs_private()
    notifier = apprise.Apprise(asset=apprise.AppriseAsset(**_ASSET))
    if not notifier.add(_service_url(channel, address, url_template, message_id)):
        raise ValueError(f"the {channel} notification URL is not usable by Apprise")
    answers = _keep_answers(notifier[0]) if expected else []
    try:
        with _attachments(message) as attach:
            result = notifier.notify(**_content(channel, message), attach=attach, log_level=logging.DEBUG)
    except OSError:
        return _logged(channel, message_id, Outcome(delivered=False, error="could not prepare the attachment"))
    if result and expected and not (answers and expected.search(answers[-1].text or "")):
        status = answers[-1].status_code if answers else "no answer"
        return _logged(channel, message_id, Outcome(False, error=f"HTTP {status}, but the answer does not say sent"))
    if result:
        return _logged(channel, message_id, Outcome(delivered=True))
    if result.status == apprise.AppriseResultStatus.TIMEOUT:
        return _logged(channel, message_id, Outcome(delivered=False, error="timeout"))
    return _logged(channel, message_id, classify([entry.message for entry in result.logs()]))


def sendable_recipient(channel: str, recipient: str) -> str | None:
    """The recipient as it goes into ``{to}``, or None: E.164 ("+6281234567890") for sms and whatsapp, the
    address ``sendable_email`` gives for e-mail. Nothing else gets in."""
    if not isinstance(recipient, str):
        return None
    if channel != "email":
        return recipient if PHONE.fullmatch(recipient) else None
    try:
        return sendable_email(recipient)
    except ValueError:
        return None


def check_url_template(channel: str, url_template: str) -> None:
    """Raise ValueError unless the channel is known and the template is an Apprise URL with ``{to}``.

    For start-up validation of the settings; parses only, sends nothing.
    """
    _require_placeholder(channel, url_template)
    sample = "warga@example.com" if channel == "email" else "+6281200000000"
    if apprise.Apprise.instantiate(url_template.replace("{to}", quote(sample, safe=""))) is None:
        raise ValueError(f"the {channel} notification URL is not usable by Apprise")


def check_success_rule(channel: str, url_template: str, success: str) -> re.Pattern | None:
    """The compiled ``success`` rule (None without one); ValueError if it cannot be one."""
    if not success:
        return None
    if urlsplit(url_template).scheme.lower() not in HTTP_SCHEMES:
        raise ValueError(f"a success rule needs an HTTP gateway URL ({', '.join(HTTP_SCHEMES)}://) for {channel}")
    try:
        return re.compile(success)
    except re.error as problem:
        raise ValueError(f"the {channel} success rule is not a regular expression: {problem}") from None


class _KeepingRequests:
    """``requests`` as an Apprise HTTP plugin's ``send`` sees it, keeping each response for ``deliver``."""

    def __init__(self, answers: list) -> None:
        self.answers = answers

    def __getattr__(self, name: str):
        return getattr(requests, name)

    def request(self, *args, **kwargs):
        return self._kept(requests.request(*args, **kwargs))

    def post(self, *args, **kwargs):
        return self._kept(requests.post(*args, **kwargs))

    def _kept(self, response):
        self.answers.append(response)
        return response


def _keep_answers(server) -> list:
    """Make this one plugin instance keep the gateway's answers: its own ``send`` (Apprise's code, unchanged)
    run with ``requests`` looked up in a copy of its module's names. Apprise tells us only yes or no, and
    for json://, form:// and xml:// every 2xx is yes; the module itself is not touched."""
    answers: list = []
    send = type(server).send
    keeping = types.FunctionType(
        send.__code__, {**send.__globals__, "requests": _KeepingRequests(answers)}, send.__name__,
        send.__defaults__, send.__closure__,
    )  # fmt: skip
    keeping.__kwdefaults__ = send.__kwdefaults__
    server.send = types.MethodType(keeping, server)
    return answers


def _require_placeholder(channel: str, url_template: str) -> None:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if not isinstance(url_template, str) or "{to}" not in url_template:
        raise ValueError(f"the {channel} notification URL needs a {{to}} placeholder for the recipient")


def _service_url(channel: str, recipient: str, url_template: str, message_id: str) -> str:
    """The template with the quoted recipient ("+" becomes %2B) and what the scheme wants to know."""
    url = url_template.replace("{to}", quote(recipient, safe=""))
    scheme = urlsplit(url).scheme.lower()
    extra = ""
    if scheme in HTTP_SCHEMES:
        extra = f"+X-Idempotency-Key={quote(message_id, safe='')}"  # lets a gateway drop a repeat
    elif scheme == outbox_plugin.SCHEME:
        extra = f"channel={channel}&id={quote(message_id, safe='')}"
    if not extra:
        return url
    return f"{url}{'&' if '?' in url else '?'}{extra}"


def _content(channel: str, message: Rendered) -> dict:
    if channel == "email" and message.html:
        return {"body": message.html, "title": message.subject or "", "body_format": apprise.NotifyFormat.HTML}
    title = (message.subject or "") if channel == "email" else ""
    return {"body": message.text, "title": title, "body_format": apprise.NotifyFormat.TEXT}


@contextmanager
def _attachments(message: Rendered) -> Iterator[apprise.AppriseAttachment | None]:
    """The .ics as a temporary file ("antrian-FBJ5-HX5W.ics"), removed when the send is over."""
    if not message.ics:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="antrian-") as folder:
        path = Path(folder) / _ics_name(message.ics)
        path.write_bytes(message.ics)
        attachment = apprise.AppriseAttachment()
        attachment.add(str(path))
        yield attachment


def _ics_name(ics: bytes) -> str:
    match = re.search(rb"^UID:([A-Za-z0-9-]{1,40})@antrian\r?$", ics, flags=re.MULTILINE)
    return f"antrian-{match.group(1).decode()}.ics" if match else "antrian.ics"


# --- telling permanent from transient failures ------------------------------------------------------

_HTTP_STATUS = re.compile(r"\berror=(\d{3})\b")  # Apprise's HTTP plugins: "Failed to send ...: ..., error=500."
_SMTP_REPLY = re.compile(r"\((\d{3}), b['\"]")  # smtplib's exceptions: "(550, b'5.1.1 ...')"
_CONNECTION_PROBLEMS = (
    ("connection refused", ("connection refused", "errno 111", "errno 61", "winerror 10061")),
    ("timeout", ("timed out", "timeout")),
    ("host not found", ("name or service not known", "nodename nor servname", "getaddrinfo", "name resolution")),
    ("TLS error", ("ssl", "certificate")),
    ("connection error", ("connection error", "connection reset", "disconnected", "connection aborted")),
)


def classify(log_lines: list[str]) -> Outcome:
    """A failed send as an Outcome, from the log lines Apprise captured during the call."""
    text = "\n".join(log_lines)
    if match := _HTTP_STATUS.search(text):
        status = int(match.group(1))
        return Outcome(False, permanent=400 <= status < 500 and status not in (408, 429), error=f"HTTP {status}")
    if match := _SMTP_REPLY.search(text):
        reply = int(match.group(1))
        return Outcome(False, permanent=500 <= reply < 600, error=f"SMTP {reply}")
    lowered = text.lower()
    for reason, signs in _CONNECTION_PROBLEMS:
        if any(sign in lowered for sign in signs):
            return Outcome(False, error=reason)
    return Outcome(False, error="not delivered")


def _logged(channel: str, message_id: str, outcome: Outcome) -> Outcome:
    if outcome.delivered:
        log.info("%s message %s delivered", channel, message_id)
    else:
        kind = "permanent" if outcome.permanent else "transient"
        log.warning("%s message %s not delivered (%s): %s", channel, message_id, kind, outcome.error)
    return outcome
