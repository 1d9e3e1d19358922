"""What a site offers: its agencies, services and the counters that serve them (read-only queries)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from booking import rules_cache, search
from booking.errors import FieldError, InvalidInput, NotFound
from booking.models import ALL_CHANNELS, Agency, Closure, Counter, Service, Site


def list_sites(session: Session) -> list[Site]:
    return list(session.scalars(select(Site).order_by(Site.name)))


def get_site(session: Session, slug: str) -> Site:
    site = None if unusable_key(slug) else rules_cache.lookup(session, ("site", slug), lambda: _site(session, slug))
    if site is None:
        raise NotFound(what="site")
    return site


def _site(session: Session, slug: str) -> Site | None:
    return session.scalar(select(Site).where(Site.slug == slug))


def list_agencies(session: Session, site: Site) -> list[tuple[Agency, int]]:
    """Agencies citizens can choose (none retired), with how many services each offers."""
    services_count = (
        select(func.count(Service.id))
        .where(Service.agency_id == Agency.id, Service.active.is_(True))
        .correlate(Agency)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Agency, services_count)
        .where(Agency.site_id == site.id, Agency.active.is_(True))
        .order_by(Agency.sort_order, Agency.name)
    )
    return [(agency, count) for agency, count in rows]


def list_services(
    session: Session, site: Site, agency_slug: str | None = None, query: str | None = None, *, retired: bool = False
):
    """Services of a site on offer (with ``retired``, the retired ones too, for its admin), optionally of
    one agency and/or found by ``query`` the way citizens write (``booking.search``: the site's synonyms,
    case, spaces and punctuation forgiven)."""
    statement = (
        select(Service)
        .join(Agency)
        .where(Service.site_id == site.id)
        .options(selectinload(Service.agency))
        .order_by(Agency.sort_order, Service.code)
    )
    if not retired:
        statement = statement.where(Service.active.is_(True), Agency.active.is_(True))
    if agency_slug:
        if unusable_key(agency_slug):
            return []
        statement = statement.where(Agency.slug == agency_slug)
    services = list(session.scalars(statement))
    if query is None or not query.strip():
        return services
    return search.find(services, query, search.table_of(session, site))


def get_service(session: Session, site: Site, code: str, *, offered_only: bool = False) -> Service | None:
    """A service with its agency, counters and their rules loaded, ready for slot computations
    (``offered_only``: None for a retired one, as citizens' pages see it)."""
    if unusable_key(code):
        return None
    code = code.strip().upper()
    service = rules_cache.lookup(session, ("service", site.id, code), lambda: _service(session, site, code))
    return None if offered_only and service is not None and not offered(service) else service


def bookable_service(session: Session, site: Site, code: str) -> Service:
    """The service a booking, a walk-in or a transfer asks for: known and on offer, else a field error."""
    service = get_service(session, site, code)
    if service is None:
        raise InvalidInput([FieldError("service", "service_unknown")])
    if not offered(service):
        raise InvalidInput([FieldError("service", "service_retired")])
    return service


def _service(session: Session, site: Site, code: str) -> Service | None:
    # one round trip: a service has a few counters with a few rules each, so the joined rows are few
    return (
        session.execute(
            select(Service)
            .where(Service.site_id == site.id, Service.code == code)
            .options(joinedload(Service.agency), joinedload(Service.counters).joinedload(Counter.rules))
            # rules read after hold_rules() took its locks must be the committed ones, not an older copy in the session
            .execution_options(populate_existing=True)
        )
        .unique()
        .scalar_one_or_none()
    )


def offered_channels(site: Site, ready: tuple[str, ...] = ALL_CHANNELS) -> list[str]:
    """The channels a site offers its citizens: those it chose, of those the deployment can send by."""
    return [channel for channel in ALL_CHANNELS if channel in site.channels and channel in ready]


def offered(service: Service) -> bool:
    """A service citizens can find and book: neither it nor its agency is retired."""
    return service.active and service.agency.active


def closures_between(session: Session, site: Site, first: dt.date, last: dt.date) -> list[Closure]:
    """Closures touching [first, last] that apply to this site: national ones and the site's own."""
    key = ("closures", site.id, first, last)
    return rules_cache.lookup(session, key, lambda: _closures(session, site, first, last))


def _closures(session: Session, site: Site, first: dt.date, last: dt.date) -> list[Closure]:
    return list(
        session.scalars(
            select(Closure).where(
                Closure.starts_on <= last,
                Closure.ends_on >= first,
                or_(Closure.site_id.is_(None), Closure.site_id == site.id),
            )
        )
    )


def unusable_key(key: str) -> bool:
    """A NUL byte can match no row, and PostgreSQL refuses to even compare it: answer 'not found' first."""
    return "\x00" in key
