"""The gateway examples of docs/operations.md, section 5, taken from the document itself and sent to a real
HTTP gateway on 127.0.0.1 (only the host is changed): a JSON gateway that wants an auth header, and one that
answers 200 with the error in its body, which only the success rule (BOOKING_NOTIFY_*_SUCCESS) catches."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from booking.cli import main
from notifications.delivery import Outcome, deliver
from notifications.render import render
from tests.gateways import HttpGateway
from tests.notifications.samples import booking_facts

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
PHONE = "+6281234567890"


def documented() -> dict[str, str]:
    """The BOOKING_NOTIFY_* lines of section 5, as .env reads them (single quotes taken off)."""
    text = OPERATIONS.read_text()
    section = text[text.index("## 5. SMS and WhatsApp gateways") : text.index("## 6.")]
    lines = re.findall(r"^(BOOKING_NOTIFY_\w+)=(.*)$", section, re.MULTILINE)
    return {name: value.removeprefix("'").removesuffix("'") for name, value in lines}


def on(gateway: HttpGateway, url: str) -> str:
    """The documented URL pointed at the local gateway: plain HTTP on its port, everything else as written."""
    assert url.startswith("jsons://")
    return re.sub(r"^jsons://[^/]+", f"json://127.0.0.1:{gateway.port}", url)


@pytest.fixture
def message():
    return render("booking_confirmed", "sms", "id", booking_facts())


@pytest.fixture
def gateway():
    servers = []

    def start(**options) -> HttpGateway:
        servers.append(HttpGateway(**options))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_the_json_gateway_with_an_auth_header_gets_the_number_the_text_and_the_key(gateway, message):
    example = documented()["BOOKING_NOTIFY_SMS_URL"]
    sms = gateway(required_headers={"Authorization": "Bearer YOUR-API-KEY"})
    outcome = deliver("sms", PHONE, message, url_template=on(sms, example), message_id="antrian-41")
    assert outcome == Outcome(delivered=True)
    [request] = sms.received()
    assert request.path == "/v1/messages"
    assert request.payload == {"to": PHONE, "text": message.text}  # Apprise's own fields left out
    assert request.headers["Authorization"] == "Bearer YOUR-API-KEY"
    assert request.headers["X-Idempotency-Key"] == "antrian-41"


def test_a_wrong_key_fails_for_good_at_once(gateway, message):
    example = documented()["BOOKING_NOTIFY_SMS_URL"].replace("YOUR-API-KEY", "AN-OLD-KEY")
    sms = gateway(required_headers={"Authorization": "Bearer YOUR-API-KEY"})
    outcome = deliver("sms", PHONE, message, url_template=on(sms, example), message_id="antrian-42")
    assert outcome == Outcome(delivered=False, permanent=True, error="HTTP 401")
    assert not sms.received() and len(sms.refused) == 1


def test_a_200_with_an_error_in_the_body_is_a_failure_only_under_the_success_rule(gateway, message):
    examples = documented()
    url, success = examples["BOOKING_NOTIFY_WHATSAPP_URL"], examples["BOOKING_NOTIFY_WHATSAPP_SUCCESS"]
    assert success == r'"status":\s*"(sent|queued)"'
    broke = gateway(
        answer=b'{"status": "failed", "reason": "saldo tidak cukup"}', required_headers={"X-Api-Key": "YOUR-KEY"}
    )
    template = on(broke, url)

    believed = deliver("whatsapp", PHONE, message, url_template=template, message_id="antrian-43")
    assert believed == Outcome(delivered=True)  # what Apprise alone concludes: why the rule exists

    caught = deliver("whatsapp", PHONE, message, url_template=template, message_id="antrian-44", success=success)
    assert caught == Outcome(delivered=False, permanent=False, error="HTTP 200, but the answer does not say sent")
    assert [request.payload for request in broke.received()][-1] == {"to": PHONE, "body": message.text}

    working = gateway(answer=b'{"status": "queued", "id": "wa-991"}', required_headers={"X-Api-Key": "YOUR-KEY"})
    sent = deliver("whatsapp", PHONE, message, url_template=on(working, url), message_id="antrian-45", success=success)
    assert sent == Outcome(delivered=True)


def test_the_body_of_a_refusing_gateway_is_never_in_our_log_lines(gateway, message, caplog):
    examples = documented()
    refusing = gateway(
        answer=f'{{"status": "failed", "to": "{PHONE}"}}'.encode(), required_headers={"X-Api-Key": "YOUR-KEY"}
    )
    with caplog.at_level("DEBUG"):
        outcome = deliver(
            "whatsapp", PHONE, message, url_template=on(refusing, examples["BOOKING_NOTIFY_WHATSAPP_URL"]),
            message_id="antrian-46", success=examples["BOOKING_NOTIFY_WHATSAPP_SUCCESS"],
        )  # fmt: skip
    assert not outcome.delivered and PHONE not in outcome.error
    ours = [record.getMessage() for record in caplog.records if record.name == "notifications.delivery"]
    assert ours and all("antrian-46" in line and PHONE not in line and "failed" not in line for line in ours)


@pytest.mark.parametrize(
    "environment, says",
    [
        ({"BOOKING_NOTIFY_WHATSAPP_URL": "json://127.0.0.1:9/?:to={to}", "BOOKING_NOTIFY_WHATSAPP_SUCCESS": "(x"},
         "BOOKING_NOTIFY_WHATSAPP_SUCCESS: the whatsapp success rule is not a regular expression"),
        ({"BOOKING_NOTIFY_SMS_SUCCESS": "sent"},  # the default writes files: there is no answer to read
         "BOOKING_NOTIFY_SMS_SUCCESS: a success rule needs an HTTP gateway URL"),
    ],
)  # fmt: skip
def test_the_worker_refuses_to_start_with_a_success_rule_it_cannot_use(environment, says, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    refused = CliRunner().invoke(main, ["worker"], env={"BOOKING_DATA_DIR": str(tmp_path), **environment})
    assert refused.exit_code == 1 and says in refused.output
