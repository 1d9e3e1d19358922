"""The layout's rules, read from the source: a new module cannot quietly break them.

- Imports point one way (DESIGN.md): the domain (``booking/*.py``) knows no HTTP, no Celery and no Apprise;
  ``notifications`` imports nothing of ours; Litestar lives in ``booking/api`` and ``booking/web``, Celery
  in ``workers``, Apprise in ``notifications``.
- The pages (``booking/web``) and the JSON API (``booking/api``) are siblings: both call the domain, neither
  imports the other; what they share lives in ``booking/http``, which imports neither, but for ``app.py``
  that assembles the two.
- A booking's status is written in one place, ``booking/lifecycle.py``: every change there is one
  conditional write on the status as read, so a new transition written elsewhere would be a race.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENTRY_POINTS = {"cli.py", "supervisor.py"}  # they start servers and workers: they may name them
HTTP_AND_TASKS = ("litestar", "celery", "kombu", "uvicorn", "apprise", "httpx", "jinja2")


def modules(folder: str, *, recursive: bool = True) -> list[Path]:
    pattern = "**/*.py" if recursive else "*.py"
    return sorted((ROOT / folder).glob(pattern))


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module or "")
    return names


def top(name: str) -> str:
    return name.split(".")[0]


def domain_modules() -> list[Path]:
    return [path for path in modules("booking", recursive=False) if path.name not in ENTRY_POINTS] + modules(
        "booking/demo"
    )


@pytest.mark.parametrize("path", domain_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_the_domain_knows_no_http_no_celery_and_no_apprise(path):
    assert not {name for name in imported(path) if top(name) in HTTP_AND_TASKS}
    assert not {name for name in imported(path) if name.startswith(("booking.api", "booking.web", "workers"))}


@pytest.mark.parametrize("path", modules("notifications"), ids=lambda path: str(path.relative_to(ROOT)))
def test_notifications_import_nothing_of_ours(path):
    assert not {name for name in imported(path) if top(name) in ("booking", "workers")}


def test_each_framework_is_imported_in_its_own_package_only():
    homes = {
        "litestar": ("booking/api", "booking/web", "booking/http"),
        "celery": ("workers",),
        "apprise": ("notifications",),
    }
    for path in modules("booking") + modules("workers") + modules("notifications"):
        where = str(path.relative_to(ROOT))
        for framework, allowed in homes.items():
            if any(top(name) == framework for name in imported(path)):
                assert where.startswith(allowed), f"{where} imports {framework}"


# What each HTTP package may not import; ``booking/http/app.py`` assembles the API and the pages, so it names both.
NOT_IMPORTED = {
    "booking/web": ("booking.api",),
    "booking/api": ("booking.web",),
    "booking/http": ("booking.api", "booking.web"),
}


def package_of(path: Path) -> str:
    return "/".join(path.relative_to(ROOT).parts[:2])


@pytest.mark.parametrize(
    "path",
    modules("booking/web") + modules("booking/api") + modules("booking/http"),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_pages_and_the_api_are_siblings_that_share_only_booking_http(path):
    forbidden = NOT_IMPORTED[package_of(path)]
    if package_of(path) == "booking/http" and path.name == "app.py":
        forbidden = ()
    crossing = {name for name in imported(path) if forbidden and name.startswith(forbidden)}
    assert not crossing, f"{path.relative_to(ROOT)} imports {crossing}"


def status_writes(path: Path) -> list[str]:
    """Lines that set a booking's status: ``booking.status = ...`` or ``update(Booking)....values(status=...)``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for part in ast.walk(target):
                    if isinstance(part, ast.Attribute) and part.attr == "status" and _names_a_booking(part.value):
                        found.append(f"{path.name}:{node.lineno}")
        if isinstance(node, ast.Call) and _updates_bookings(node) and _sets_status(node):
            found.append(f"{path.name}:{node.lineno}")
    return found


def _names_a_booking(node: ast.AST) -> bool:
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return "booking" in name.lower()


def _updates_bookings(node: ast.Call) -> bool:
    return any(
        isinstance(part, ast.Call)
        and isinstance(part.func, ast.Name)
        and part.func.id == "update"
        and part.args
        and isinstance(part.args[0], ast.Name)
        and part.args[0].id == "Booking"
        for part in ast.walk(node.func)
    )


def _sets_status(node: ast.Call) -> bool:
    if not (isinstance(node.func, ast.Attribute) and node.func.attr == "values"):
        return False
    keys = [keyword.arg or "status" for keyword in node.keywords]  # None: **changes, computed
    for argument in node.args:
        if isinstance(argument, ast.Dict):
            keys += [key.value for key in argument.keys if isinstance(key, ast.Constant)]
        else:
            keys.append("status")  # a computed dict of changes: only the lifecycle builds those
    return "status" in keys


def test_only_the_lifecycle_writes_a_bookings_status():
    writers = [
        line
        for path in modules("booking") + modules("workers")
        if path.name != "lifecycle.py"
        for line in status_writes(path)
    ]
    assert writers == [], "a booking's status changes only through booking.lifecycle.take_step / try_step"


def test_the_status_scan_finds_the_writes_it_forbids(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "booking.status = 'cancelled'\n"
        "session.execute(update(Booking).where(Booking.id == 1).values(status='served'))\n"
        "session.execute(update(Booking).values({'status': 'no_show'}))\n"
        "session.execute(update(Booking).values(**changes))\n"
        "notification.status = 'sent'\n"
        "session.execute(update(Notification).values(status='sent'))\n"
    )
    assert status_writes(sample) == ["sample.py:1", "sample.py:2", "sample.py:3", "sample.py:4"]
