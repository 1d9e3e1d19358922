"""What the browser tests share: Debian's Chromium driven by Playwright (never a downloaded browser),
axe-core (vendored), and screenshots saved as test artifacts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AXE_SOURCE = Path(__file__).with_name("axe.min.js")  # axe-core 4.11 (MPL-2.0), vendored so CI needs no network
# How long an ``expect`` assertion may retry before it fails: a bound, not a wait (it returns as soon as the
# page shows the fact). Playwright's 5 s default was too short on a loaded 2-core CI machine, where the server
# under test, the worker and Chromium share the cores with the rest of the suite.
EXPECT_BOUND_MS = 30_000


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " — CI=true requires it")
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_BOUND_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def serious_violations(page, axe: str) -> list[dict]:
    """What axe-core finds serious or critical on the page as it stands."""
    page.add_script_tag(content=axe)
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))"""
    )
    return [violation for violation in violations if violation["impact"] in ("serious", "critical")]


def phone_checker(axe: str, found: dict, width: int = 360):
    """``check(page, name)``: records in ``found`` what axe-core finds serious on the page, and fails if the page
    scrolls sideways at the phone's ``width``."""

    def check(page, name: str) -> None:
        if serious := serious_violations(page, axe):
            found[name] = serious
        scroll_width, client_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll_width <= client_width == width, f"{name} scrolls sideways"

    return check
