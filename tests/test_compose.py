"""``compose.yaml`` is the production shape, checked without a Docker engine: it parses, every command of
ours is a real ``booking`` command, every ``BOOKING_*`` variable is a real setting, beat runs once, the
API and the workers wait for the migration, and no secret is written in the file."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from booking.cli import main
from booking.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "compose.yaml"
OURS = ("migrate", "api", "worker", "beat")
# Values that carry credentials: the secret key, the database password, the gateways' Apprise URLs.
SECRET_VARIABLES = (
    "BOOKING_SECRET_KEY",
    "POSTGRES_PASSWORD",
    "BOOKING_NOTIFY_SMS_URL",
    "BOOKING_NOTIFY_WHATSAPP_URL",
    "BOOKING_NOTIFY_EMAIL_URL",
)
REFERENCE = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def resolve(command: list[str]) -> tuple[click.Command, list[str]]:
    """The click command a ``booking ...`` line names, and the arguments left for it."""
    assert command[0] == "booking", command
    current: click.Command = main
    words = command[1:]
    while isinstance(current, click.Group) and words and words[0] in current.commands:
        current, words = current.commands[words[0]], words[1:]
    assert not isinstance(current, click.Group), f"{command} names a group, not a command"
    return current, words


def test_the_production_shape_has_every_service(compose):
    assert set(compose["services"]) >= {"proxy", "postgres", "redis", *OURS}


def test_citizens_reach_the_api_only_through_the_proxy_and_its_https(compose):
    services = compose["services"]
    proxy = services["proxy"]
    assert proxy["image"].startswith("caddy:")
    assert {"80:80", "443:443"} <= set(proxy["ports"])
    mounted = {volume.split(":")[0]: volume.split(":")[1] for volume in proxy["volumes"]}
    assert mounted["./Caddyfile"] == "/etc/caddy/Caddyfile" and (ROOT / "Caddyfile").is_file()
    assert "/data" in mounted.values(), "certificates must survive a restart (a volume on /data)"
    for name, service in services.items():
        if name != "proxy":
            assert "ports" not in service, f"{name} publishes a port: it would bypass the proxy"
    assert proxy["depends_on"]["api"] == {"condition": "service_healthy"}
    public_url = services["api"]["environment"]["BOOKING_PUBLIC_URL"]
    assert public_url.startswith("https://${ANTRIAN_DOMAIN:?"), "manage links must be the proxy's https address"


def test_the_api_believes_forwarded_addresses_from_the_proxy_alone(compose):
    proxy_address = ipaddress.ip_address(compose["services"]["proxy"]["networks"]["default"]["ipv4_address"])
    network = compose["networks"]["default"]["ipam"]["config"][0]
    assert proxy_address in ipaddress.ip_network(network["subnet"])
    # docker hands the other containers addresses from ip_range: one of them must never take the proxy's
    assert proxy_address not in ipaddress.ip_network(network["ip_range"])
    trusted = compose["services"]["api"]["environment"]["BOOKING_TRUSTED_PROXIES"]
    assert [ipaddress.ip_network(entry.strip()) for entry in str(trusted).split(",")] == [
        ipaddress.ip_network(proxy_address)
    ], "only the proxy's own address: a whole network would trust any container on it"


def test_the_caddyfile_balances_over_the_api_replicas_with_compression():
    caddyfile = "\n".join(line.split("#", 1)[0] for line in (ROOT / "Caddyfile").read_text().splitlines())
    assert "{$ANTRIAN_UPSTREAMS:dynamic a api 8000}" in caddyfile  # every replica, by compose's DNS
    assert re.search(r"^\s*encode\b.*\bgzip\b", caddyfile, re.MULTILINE)
    assert "trusted_proxies" not in caddyfile, "Caddy must replace a client's X-Forwarded-For, not extend it"


@pytest.mark.parametrize("service", OURS)
def test_every_command_is_a_real_booking_command_whose_options_parse(compose, service):
    command, arguments = resolve(compose["services"][service]["command"])
    with command.make_context(command.name, list(arguments)) as context:  # raises on an unknown option
        assert context.command is command
    path = compose["services"][service]["command"][1:]
    shown = CliRunner().invoke(main, [*path[: len(path) - len(arguments)], "--help"])
    assert shown.exit_code == 0, shown.output


@pytest.mark.parametrize("service", OURS)
def test_every_booking_variable_is_a_setting(compose, service):
    fields = {f"BOOKING_{name.upper()}" for name in Settings.model_fields}
    environment = compose["services"][service]["environment"]
    ours = {name for name in environment if name.startswith("BOOKING_")}
    assert ours, f"{service} sets no BOOKING_* variable"
    assert ours <= fields, f"not settings: {sorted(ours - fields)}"


def test_beat_runs_exactly_once_and_the_api_scales(compose):
    assert compose["services"]["beat"]["deploy"]["replicas"] == 1
    assert compose["services"]["api"]["deploy"]["replicas"] >= 2


@pytest.mark.parametrize("service", ["api", "worker", "beat"])
def test_services_wait_for_the_migration(compose, service):
    assert compose["services"][service]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_health_checks_watch_the_api_the_database_and_the_broker(compose):
    services = compose["services"]
    assert "/ready" in " ".join(services["api"]["healthcheck"]["test"])
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


def test_secrets_come_from_the_environment_never_the_file(compose):
    for service in compose["services"].values():
        for name, value in (service.get("environment") or {}).items():
            if name in SECRET_VARIABLES:
                assert REFERENCE.fullmatch(str(value)), f"{name} must be a ${{...}} reference"
    database_url = compose["services"]["api"]["environment"]["BOOKING_DATABASE_URL"]
    password = database_url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
    assert REFERENCE.fullmatch(password), "the database password must come from the environment"
    secret = compose["services"]["api"]["environment"]["BOOKING_SECRET_KEY"]
    assert secret.startswith("${BOOKING_SECRET_KEY:?"), "a missing secret key must stop compose, not default"


@pytest.mark.parametrize("service", OURS)
def test_every_process_runs_as_production(compose, service):
    assert compose["services"][service]["environment"]["BOOKING_ENVIRONMENT"] == "production"


def test_the_image_can_back_up_the_database_it_runs_on():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"apt-get install[^\n]*\bpostgresql-client\b", dockerfile), "booking backup needs pg_dump"
