"""What the queue's page tests share: CSRF tokens from the forms, the kiosk's and the desk's forms sent as a
browser sends them, and what a ticket's page shows, read as a person reads it."""

from __future__ import annotations

import html
import re

from tests.factories import PASSWORD

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
SHOWN = re.compile(r'data-testid="([\w-]+)"[^>]*>([^<]*)<')


def csrf(client, path: str = "/kiosk/uji") -> str:
    return CSRF.search(client.get(path).text).group(1)


def hidden(page: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page).group(1))


def shown(page: str) -> dict[str, str]:
    """The page's marked facts (ticket-number, ticket-status, ticket-ahead, desk-notice, ...), as text."""
    return {name: html.unescape(text).strip() for name, text in SHOWN.findall(page)}


def take_with_code(client, code: str, *, follow: bool = False):
    """The kiosk's code form, typed and sent."""
    data = {"_csrf_token": csrf(client), "code": code}
    return client.post("/kiosk/uji/tiket", data=data, follow_redirects=follow)


def walk_in_form(client, service: str = "KTP") -> dict:
    """The kiosk's walk-in form of a service, as its page gave it."""
    page = client.get(f"/kiosk/uji/layanan/{service}")
    assert page.status_code == 200, page.text
    return {
        "_csrf_token": hidden(page.text, "_csrf_token"),
        "service": hidden(page.text, "service"),
        "form_key": hidden(page.text, "form_key"),
    }


def take_walk_in(client, form: dict, priority: str = "", *, follow: bool = False):
    """One of the walk-in form's buttons pressed (the plain one, or a priority group's)."""
    return client.post("/kiosk/uji/tiket", data={**form, "priority": priority}, follow_redirects=follow)


def sign_in(client, username: str = "ani") -> None:
    token = csrf(client, "/staff/login")
    answer = client.post(
        "/staff/login", data={"username": username, "password": PASSWORD, "_csrf_token": token}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text


def press(client, path: str, counter: str = "Loket 1", **fields):
    """A button of the clerk's queue page: its form, with the page's CSRF token."""
    data = {"_csrf_token": csrf(client, "/staff/antrian"), "loket": counter, **fields}
    return client.post(f"/staff/antrian/{path}", data=data)
