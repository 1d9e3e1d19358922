"""A check schemathesis runs beside its own in ``test_openapi_conformance.py`` (loaded as its hooks module).

Its own checks hold the status, the media type and the shape of every answer to the document; this one
holds the problem's ``code`` too: each is one the document lists for that operation and status (in the
response's description, one ``- `code`: ...`` line per code; see ``booking.api.openapi``), and its
``status`` is the answer's.
"""

from __future__ import annotations

import re

import schemathesis

DOCUMENTED_CODE = re.compile(r"^- `(\w+)`", re.MULTILINE)


@schemathesis.check
def problem_code_is_documented(ctx, response, case) -> bool | None:
    documented = case.operation.definition.raw.get("responses", {}).get(str(response.status_code))
    media_type = (response.headers.get("content-type") or [""])[0]
    if case.method.upper() != case.operation.method.upper() or documented is None:
        return None  # another method's probe, or an undocumented status: schemathesis's own checks judge those
    if not media_type.startswith("application/problem+json"):
        return None
    problem = response.json()
    if problem.get("status") != response.status_code:
        raise AssertionError(f"Problem with status {problem.get('status')} answered as {response.status_code}")
    code = problem.get("code")
    codes = DOCUMENTED_CODE.findall(documented.get("description", ""))
    if code not in codes:
        raise AssertionError(
            f"Undocumented problem code: received `{code}` with {response.status_code}; "
            f"documented: {', '.join(codes) or 'none'}"
        )
    return None
