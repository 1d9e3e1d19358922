"""docs/operations.md, checked where a test can reach without a Docker engine: every `booking …` command it
gives is a real command whose options exist, each one-off runs in a service compose.yaml defines, and the
setup is in the order that works (a site before its accounts, the admin before the clerks)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
import yaml

from booking.cli import main
from tests.test_compose import resolve

ROOT = Path(__file__).resolve().parent.parent
OPERATIONS = ROOT / "docs" / "operations.md"
ONE_OFF = re.compile(r"docker compose run --rm (?:-T )?(?:-v \S+ )*(\w+) (booking [^\n#>&]*)")


def one_offs() -> list[tuple[str, str]]:
    return [(service, command.strip()) for service, command in ONE_OFF.findall(OPERATIONS.read_text())]


def test_the_guide_gives_the_setup_commands():
    commands = [command for _, command in one_offs()]
    assert len(commands) >= 10
    for needed in ("booking import", "booking holidays load", "booking staff create", "booking backup",
                   "booking restore", "booking db upgrade"):  # fmt: skip
        assert any(command.startswith(needed) for command in commands), needed


@pytest.mark.parametrize("service, command", one_offs(), ids=lambda value: value)
def test_every_command_of_the_guide_is_a_real_one_in_a_real_service(service, command):
    assert service in yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    words = shlex.split(command)
    found, arguments = resolve(words)
    context = click.Context(found, info_name=found.name, parent=click.Context(main))
    found.make_parser(context).parse_args(list(arguments))  # raises on an option the command does not have


def test_the_site_is_imported_before_its_accounts_and_the_admin_before_the_clerks():
    commands = [command for _, command in one_offs()]
    imported = next(n for n, command in enumerate(commands) if command.startswith("booking import"))
    admin = next(n for n, command in enumerate(commands) if "--role admin" in command)
    clerk = next(n for n, command in enumerate(commands) if "--role staff" in command)
    assert imported < admin < clerk
