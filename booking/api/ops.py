"""Health, readiness and metrics for the operator (outside ``/api/v1``)."""

from __future__ import annotations

from litestar import Response, get
from litestar.di import NamedDependency
from sqlalchemy import text

from booking.api.context import Context


@get("/health", sync_to_thread=False, include_in_schema=False)
def health() -> dict[str, str]:
    """The process is alive and answering."""
    return {"status": "ok"}


@get("/ready", sync_to_thread=True, include_in_schema=False)
def ready(ctx: NamedDependency[Context]) -> Response[dict[str, str]]:
    """Ready to serve: the database answers."""
    checks = {"database": "ok"}
    try:
        with ctx.db.read() as session:
            session.execute(text("SELECT 1"))
    except Exception as error:  # any failure means not ready; the type says enough without leaking the URL
        checks["database"] = f"unavailable: {type(error).__name__}"
    status = "ok" if all(value == "ok" for value in checks.values()) else "unavailable"
    return Response({"status": status, **checks}, status_code=200 if status == "ok" else 503)
