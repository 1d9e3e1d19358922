"""The Prometheus alert rules of ops/prometheus-alerts.yml: valid for Prometheus, about metrics the API really
exports, and firing on the faults they name (``promtool test rules`` with series written here).

``promtool`` comes with Debian's ``prometheus`` package (.ci/run installs it); without it the rules are parsed
and checked for shape, and the firing tests are skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from litestar.testing import TestClient

from booking.http.app import create_app
from tests.factories import TOMORROW, at, booking_body, make_site

RULES = Path(__file__).resolve().parent.parent / "ops" / "prometheus-alerts.yml"
PROMTOOL = shutil.which("promtool")
EXPECTED = {
    "AntrianNotificationBacklog",
    "AntrianNotificationBacklogCritical",
    "AntrianNotificationsFailed",
    "AntrianServerErrors",
    "AntrianBrokerUnreachable",
    "AntrianApiDown",
}


def rules() -> list[dict]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


def need_promtool() -> str:
    if PROMTOOL is None:
        message = "promtool is not installed (apt-get install prometheus; .ci/run does)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return PROMTOOL


def test_the_rules_load_in_prometheus_or_at_least_parse():
    assert {rule["alert"] for rule in rules()} == EXPECTED
    for rule in rules():
        assert rule["expr"].strip() and rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"]
    if PROMTOOL:
        checked = subprocess.run([PROMTOOL, "check", "rules", str(RULES)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert f"SUCCESS: {len(EXPECTED)} rules found" in checked.stdout


def test_every_metric_the_rules_read_is_exported_at_metrics(settings, db, clock):
    make_site(db)
    app = create_app(settings, db=db, clock=clock, broker_reachable=lambda: False)
    with TestClient(app) as client:
        assert client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 9))).status_code == 201
        exported = client.get("/metrics").text
    names = {name for rule in rules() for name in re.findall(r"\b(antrian_[a-z_]+)\b", rule["expr"])}
    assert names >= {"antrian_notification_oldest_due_seconds", "antrian_notifications", "antrian_broker_up"}
    for name in names:
        assert re.search(rf"^{name}(\{{| )", exported, re.MULTILINE), f"{name} is not exported at /metrics"
    assert "antrian_broker_up 0.0" in exported  # what the broker rule reads when the broker is away
    assert re.search(r'^antrian_requests_total\{.*status_code="201"', exported, re.MULTILINE)


UNIT_TESTS = """
rule_files: [{rules}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'antrian_notification_oldest_due_seconds{{instance="api-1"}}'
        values: '0 0 400+60x20'
      - series: 'antrian_notifications{{instance="api-1", channel="sms", status="failed"}}'
        values: '2x10 5x10'
      - series: 'antrian_notifications{{instance="api-1", channel="email", status="failed"}}'
        values: '1x20'
      - series: 'antrian_broker_up{{instance="api-1"}}'
        values: '1x5 0x10'
      - series: 'antrian_broker_up{{instance="api-2"}}'
        values: '1x15'
      - series: 'antrian_requests_total{{instance="api-1", status_code="200"}}'
        values: '0+600x20'
      - series: 'antrian_requests_total{{instance="api-1", status_code="500"}}'
        values: '0x5 0+60x15'
      - series: 'up{{job="antrian-api", instance="api-2:8000"}}'
        values: '1x5 0x10'
    alert_rule_test:
      - eval_time: 4m
        alertname: AntrianNotificationBacklog
        exp_alerts: []
      - eval_time: 10m
        alertname: AntrianNotificationBacklog
        exp_alerts:
          - exp_labels: {{severity: warning}}
      - eval_time: 15m
        alertname: AntrianNotificationsFailed
        exp_alerts:
          - exp_labels: {{severity: warning, channel: sms}}
      - eval_time: 5m
        alertname: AntrianBrokerUnreachable
        exp_alerts: []
      - eval_time: 9m
        alertname: AntrianBrokerUnreachable
        exp_alerts:
          - exp_labels: {{severity: critical}}
      - eval_time: 4m
        alertname: AntrianServerErrors
        exp_alerts: []
      - eval_time: 15m
        alertname: AntrianServerErrors
        exp_alerts:
          - exp_labels: {{severity: critical}}
      - eval_time: 9m
        alertname: AntrianApiDown
        exp_alerts:
          - exp_labels: {{severity: critical, job: antrian-api, instance: "api-2:8000"}}
"""


def test_each_alert_fires_on_its_fault_and_not_before(tmp_path):
    promtool = need_promtool()
    # the same rules without their annotations (promtool would compare every rendered text; check rules,
    # above, already checks their templates)
    document = yaml.safe_load(RULES.read_text())
    for group in document["groups"]:
        for rule in group["rules"]:
            rule.pop("annotations")
    bare = tmp_path / "alerts.yml"
    bare.write_text(yaml.safe_dump(document))
    tests = tmp_path / "alerts-test.yml"
    tests.write_text(UNIT_TESTS.format(rules=bare))
    tested = subprocess.run([promtool, "test", "rules", str(tests)], capture_output=True, text=True)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout
