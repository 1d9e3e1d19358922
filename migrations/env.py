"""Alembic environment: the URL comes from booking.migrate (or BOOKING_DATABASE_URL via Settings)."""

from alembic import context
from sqlalchemy import create_engine, pool

from booking.models import Base, UTCDateTime

config = context.config


def _database_url() -> str:
    url = config.attributes.get("database_url")
    if url:
        return url
    from booking.settings import Settings

    return Settings().resolved_database_url


def _render_item(type_, obj, autogen_context):
    """Write our UTC column type as the plain DateTime it stores, so migrations never import models."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def run_migrations_online() -> None:
    url = _database_url()
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=url.startswith("sqlite"),  # SQLite alters tables by copying them
            compare_type=True,
            render_item=_render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `booking db upgrade`")
run_migrations_online()
