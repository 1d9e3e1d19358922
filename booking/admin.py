"""Site administration: agencies, services, counters, opening rules, closures, quotas, walk-in shares.

Each function takes the admin's session and principal, checks the values (every problem at once, as
field errors), applies the change, lets ``capacity_changes`` fit existing bookings to it (refused with
the list, or cancelled with a notice when forced) and writes the audit entry, all in the caller's one
transaction. Admins act on their own site only.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from booking import audit, catalogue, search
from booking.capacity_changes import (
    SCHEDULE_CHANGED,
    SERVICE_RETIRED,
    counters_of_scope,
    settle_counters,
    settle_quota,
    settle_retired,
)
from booking.catalogue import unusable_key
from booking.errors import FieldError, InvalidInput, NotFound
from booking.messages import closed_notice
from booking.models import (
    ALL_CHANNELS,
    MAX_ROW_ID,
    Agency,
    Booking,
    Closure,
    Counter,
    OpeningRule,
    SearchSynonym,
    Service,
    Site,
)
from booking.queue import PREFIX, free_ticket_prefix, ticket_prefixes
from booking.staff import Principal, require_admin

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
RULE_FIELDS = (
    "weekday", "opens_at", "closes_at", "slot_minutes", "capacity", "walk_in_places",
    "break_starts_at", "break_ends_at", "valid_from", "valid_until",
)  # fmt: skip
# What a new agency, service, counter, closure or opening rule must be given (a change may give any part).
REQUIRED_TO_CREATE = {
    "agency": ("slug", "name"),
    "service": ("agency", "code", "name", "duration_minutes"),
    "counter": ("agency", "label"),
    "closure": ("starts_on", "ends_on", "reason"),
    "rule": ("weekday", "opens_at", "closes_at", "slot_minutes", "capacity"),
}
SITE_FIELDS = (
    "name", "address", "min_lead_minutes", "max_days_ahead", "reminder_day_before_at", "reminder_soon_minutes",
    "no_show_grace_minutes", "arrival_early_minutes", "arrival_late_minutes", "turn_soon_places",
    "recalls_before_missed", "personal_data_retention_days", "privacy_contact", "survey_link_days", "channels",
    "waitlist_hold_minutes", "family_max", "visit_walk_minutes",
)  # fmt: skip
AGENCY_FIELDS = ("slug", "name", "sort_order", "ticket_prefix", "active")


class Admin:
    """The admin's view of their site: every change audited under their name."""

    def __init__(self, session: Session, principal: Principal, *, now: dt.datetime, force: bool = False) -> None:
        require_admin(principal)
        self.session, self.principal, self.now, self.force = session, principal, now, force
        self.cancelled: list[str] = []  # the codes a forced change cancelled, for the pages to say
        self.site = session.get(Site, principal.site_id)
        if self.site is None:
            raise NotFound(what="site")

    # agencies

    def agencies(self) -> list[Agency]:
        return list(
            self.session.scalars(
                select(Agency).where(Agency.site_id == self.site.id).order_by(Agency.sort_order, Agency.slug)
            )
        )

    def create_agency(self, values: dict[str, Any]) -> Agency:
        errors = _required(values, REQUIRED_TO_CREATE["agency"])
        slug = str(values.get("slug", ""))
        if slug and not SLUG.match(slug):
            errors.append(FieldError("slug", "value_invalid"))
        elif slug and self._agency_or_none(slug) is not None:
            errors.append(FieldError("slug", "value_taken"))
        check_text(errors, values, "name", 200)
        in_range(errors, values, "sort_order", -10_000, 10_000)
        prefixes = ticket_prefixes(self.session, self.site.id)
        prefix = self._ticket_prefix(errors, values, prefixes, None) or free_ticket_prefix(set(prefixes))
        _raise(errors)
        agency = Agency(
            site_id=self.site.id,
            slug=slug,
            name=values["name"].strip(),
            sort_order=values.get("sort_order", 0),
            ticket_prefix=prefix,
        )
        self.session.add(agency)
        self.session.flush()
        self._audit("agency.create", f"agency:{slug}", None, _fields(agency, AGENCY_FIELDS))
        return agency

    def update_agency(self, slug: str, values: dict[str, Any]) -> Agency:
        agency = self.agency(slug)
        errors: list[FieldError] = []
        check_text(errors, values, "name", 200)
        in_range(errors, values, "sort_order", -10_000, 10_000)
        errors += [FieldError(name, "not_changeable") for name in ("slug",) if name in values]
        check_flag(errors, values, "active")
        prefix = self._ticket_prefix(errors, values, ticket_prefixes(self.session, self.site.id), agency.id)
        _raise(errors)
        before = _fields(agency, AGENCY_FIELDS)
        for name in ("name", "sort_order", "active"):
            if name in values:
                setattr(agency, name, values[name].strip() if name == "name" else values[name])
        if prefix:
            agency.ticket_prefix = prefix  # today's tickets keep the letters they were given
        cancelled = []
        if before["active"] and not agency.active:  # retired: none of its services is offered any more
            services = {service.id for service in agency.services}
            cancelled = settle_retired(
                self.session, self.site, services, now=self.now, force=self.force, reason=SERVICE_RETIRED
            )
        self._audit("agency.update", f"agency:{slug}", before, _fields(agency, AGENCY_FIELDS), cancelled)
        return agency

    def _ticket_prefix(self, errors, values, prefixes: dict[str, int], agency_id: int | None) -> str | None:
        if values.get("ticket_prefix") is None:
            return None
        prefix = str(values["ticket_prefix"]).strip().upper()
        if not PREFIX.match(prefix):
            errors.append(FieldError("ticket_prefix", "ticket_prefix_format"))
        elif prefixes.get(prefix, agency_id) != agency_id:
            errors.append(FieldError("ticket_prefix", "value_taken"))
        return prefix

    def agency(self, slug: str) -> Agency:
        agency = self._agency_or_none(slug)
        if agency is None:
            raise NotFound(what="agency")
        return agency

    # services and their daily quotas

    def services(self, agency_slug: str | None = None) -> list[Service]:
        return catalogue.list_services(self.session, self.site, agency_slug, retired=True)

    def create_service(self, values: dict[str, Any]) -> Service:
        errors = _required(values, REQUIRED_TO_CREATE["service"])
        agency = self._agency_or_none(values.get("agency", ""))
        if "agency" in values and agency is None:
            errors.append(FieldError("agency", "agency_unknown"))
        elif agency is not None and not agency.active:
            errors.append(FieldError("agency", "agency_retired"))
        code = str(values.get("code", ""))
        if code and not CODE.match(code):
            errors.append(FieldError("code", "value_invalid"))
        elif code and catalogue.get_service(self.session, self.site, code) is not None:
            errors.append(FieldError("code", "value_taken"))
        self._check_service(errors, values)
        _raise(errors)
        service = Service(
            site_id=self.site.id,
            agency_id=agency.id,
            code=code,
            name=values["name"].strip(),
            duration_minutes=values["duration_minutes"],
            requirements=list(values.get("requirements", [])),
            daily_quota=values.get("daily_quota"),
        )
        self.session.add(service)
        self.session.flush()
        self._audit("service.create", f"service:{code}", None, _service_fields(service))
        return service

    def update_service(self, code: str, values: dict[str, Any]) -> Service:
        service = self.service(code)
        errors = [FieldError(name, "not_changeable") for name in ("agency", "code") if name in values]
        self._check_service(errors, values)
        check_flag(errors, values, "active")
        if values.get("active") and not service.agency.active:
            errors.append(FieldError("active", "agency_retired"))  # offered only once its agency is again
        _raise(errors)
        before = _service_fields(service)
        for name in ("name", "duration_minutes", "requirements", "daily_quota", "active"):
            if name in values:
                setattr(service, name, values[name].strip() if name == "name" else values[name])
        cancelled = []
        if before["active"] and not service.active:  # retired: kept with its history, offered no more
            cancelled = settle_retired(
                self.session, self.site, {service.id}, now=self.now, force=self.force, reason=SERVICE_RETIRED
            )
        elif "daily_quota" in values and values["daily_quota"] != before["daily_quota"]:
            cancelled = settle_quota(
                self.session, self.site, service, now=self.now, force=self.force, reason=SCHEDULE_CHANGED
            )
        self._audit("service.update", f"service:{code}", before, _service_fields(service), cancelled)
        return service

    def service(self, code: str) -> Service:
        service = catalogue.get_service(self.session, self.site, code) if isinstance(code, str) else None
        if service is None:
            raise NotFound(what="service")
        return service

    # counters and the services they serve

    def counters(self) -> list[Counter]:
        return list(
            self.session.scalars(
                select(Counter)
                .where(Counter.site_id == self.site.id)
                .options(selectinload(Counter.services), selectinload(Counter.rules))
                .order_by(Counter.label)
            )
        )

    def create_counter(self, values: dict[str, Any]) -> Counter:
        errors = _required(values, REQUIRED_TO_CREATE["counter"])
        agency = self._agency_or_none(values.get("agency", ""))
        if "agency" in values and agency is None:
            errors.append(FieldError("agency", "agency_unknown"))
        check_label(errors, values)
        if values.get("label") and self._counter_or_none(values["label"]) is not None:
            errors.append(FieldError("label", "value_taken"))
        services = self._services_of(errors, values.get("services", []), agency.id if agency else None)
        _raise(errors)
        counter = Counter(site_id=self.site.id, agency_id=agency.id, label=values["label"].strip(), services=services)
        self.session.add(counter)
        self.session.flush()
        self._audit("counter.create", f"counter:{counter.label}", None, _counter_fields(counter))
        return counter

    def update_counter(self, label: str, values: dict[str, Any]) -> Counter:
        counter = self.counter(label)
        errors: list[FieldError] = []
        check_label(errors, values)
        new_label = values.get("label", counter.label).strip()
        if new_label != counter.label and self._counter_or_none(new_label) is not None:
            errors.append(FieldError("label", "value_taken"))
        services = self._services_of(errors, values["services"], counter.agency_id) if "services" in values else None
        _raise(errors)
        before = _counter_fields(counter)
        counter.label = new_label
        if services is not None:
            counter.services = services
        cancelled = settle_counters(
            self.session, self.site, {counter.id}, now=self.now, force=self.force, reason=SCHEDULE_CHANGED
        )
        self._audit("counter.update", f"counter:{label}", before, _counter_fields(counter), cancelled)
        return counter

    def remove_counter(self, label: str) -> None:
        """A counter that is closed down: its future bookings are settled; kept (without rules or
        services) only if past bookings still name it."""
        counter = self.counter(label)
        before = _counter_fields(counter)
        counter.services = []
        for rule in list(counter.rules):
            self.session.delete(rule)
        cancelled = settle_counters(
            self.session, self.site, {counter.id}, now=self.now, force=self.force, reason=SCHEDULE_CHANGED
        )
        if self.session.scalar(select(func.count()).select_from(Booking).where(Booking.counter_id == counter.id)) == 0:
            self.session.delete(counter)
        self._audit("counter.remove", f"counter:{label}", before, None, cancelled)

    def counter(self, label: str) -> Counter:
        counter = self._counter_or_none(label)
        if counter is None:
            raise NotFound(what="counter")
        return counter

    # opening rules (hours, slot length, capacity, walk-in share)

    def add_rule(self, counter_label: str, values: dict[str, Any]) -> OpeningRule:
        counter = self.counter(counter_label)
        checked = check_rule(
            {
                "walk_in_places": 0,
                "break_starts_at": None,
                "break_ends_at": None,
                "valid_from": None,
                "valid_until": None,
                **values,
            },
            required=True,
        )
        self._refuse_overlap(counter, checked)
        rule = OpeningRule(counter_id=counter.id, **checked)
        self.session.add(rule)
        cancelled = settle_counters(
            self.session, self.site, {counter.id}, now=self.now, force=self.force, reason=SCHEDULE_CHANGED
        )
        self._audit(
            "rule.create", f"counter:{counter.label}/rule:{rule.id}", None, _fields(rule, RULE_FIELDS), cancelled
        )
        return rule

    def update_rule(self, rule_id: int, values: dict[str, Any]) -> OpeningRule:
        rule = self.rule(rule_id)
        before = _fields(rule, RULE_FIELDS)
        checked = check_rule({**{name: getattr(rule, name) for name in RULE_FIELDS}, **values}, required=True)
        self._refuse_overlap(rule.counter, checked, rule.id)
        for name, value in checked.items():
            setattr(rule, name, value)
        cancelled = settle_counters(
            self.session, self.site, {rule.counter_id}, now=self.now, force=self.force, reason=SCHEDULE_CHANGED
        )
        self._audit(
            "rule.update", f"counter:{rule.counter.label}/rule:{rule.id}", before, _fields(rule, RULE_FIELDS), cancelled
        )
        return rule

    def remove_rule(self, rule_id: int) -> None:
        rule = self.rule(rule_id)
        before, counter = _fields(rule, RULE_FIELDS), rule.counter
        self.session.delete(rule)
        cancelled = settle_counters(
            self.session, self.site, {counter.id}, now=self.now, force=self.force, reason=SCHEDULE_CHANGED
        )
        self._audit("rule.remove", f"counter:{counter.label}/rule:{rule_id}", before, None, cancelled)

    def rule(self, rule_id: int) -> OpeningRule:
        _refuse_impossible_id(rule_id, "rule")
        rule = self.session.scalar(
            select(OpeningRule).join(Counter).where(OpeningRule.id == rule_id, Counter.site_id == self.site.id)
        )
        if rule is None:
            raise NotFound(what="rule")
        return rule

    # closures

    def closures(self, first: dt.date, last: dt.date) -> list[Closure]:
        return catalogue.closures_between(self.session, self.site, first, last)

    def add_closure(self, values: dict[str, Any]) -> Closure:
        errors = _required(values, REQUIRED_TO_CREATE["closure"])
        closure = Closure(site_id=self.site.id, kind="manual")
        self._closure_values(errors, closure, values)
        self.session.add(closure)
        cancelled = self._settle_closure(closure, set())
        self._audit("closure.create", f"closure:{closure.id}", None, _closure_fields(closure), cancelled)
        return closure

    def update_closure(self, closure_id: int, values: dict[str, Any]) -> Closure:
        """Correct a closure (a local holiday moved by a new decree, a closure that ends sooner or later):
        the days it no longer covers open again, bookings on days it now covers follow the rule of every
        change (refused with their list, or cancelled with a notice when forced)."""
        closure = self.closure(closure_id)
        before = _closure_fields(closure)
        scope_before = counters_of_scope(self.session, self.site, closure.agency_id, closure.counter_id)
        self._closure_values([], closure, values)
        cancelled = self._settle_closure(closure, scope_before)
        self._audit("closure.update", f"closure:{closure_id}", before, _closure_fields(closure), cancelled)
        return closure

    def closure(self, closure_id: int) -> Closure:
        """One of the site's own closures (a national holiday is the calendar's, not the site's: 404)."""
        _refuse_impossible_id(closure_id, "closure")
        closure = self.session.scalar(select(Closure).where(Closure.id == closure_id, Closure.site_id == self.site.id))
        if closure is None:
            raise NotFound(what="closure")
        return closure

    def _closure_values(self, errors: list[FieldError], closure: Closure, values: dict[str, Any]) -> None:
        """Check and apply the given fields of a closure, every problem at once (nothing applied on any)."""
        starts_on, ends_on = _date(errors, values, "starts_on"), _date(errors, values, "ends_on")
        first, last = starts_on or closure.starts_on, ends_on or closure.ends_on
        if first and last and last < first:
            errors.append(FieldError("ends_on", "dates_reversed"))
        # part of a day: from_time / until_time (either may be absent: from the opening, until the closing)
        from_time = _time(errors, values, "from_time") if values.get("from_time") else None
        until_time = _time(errors, values, "until_time") if values.get("until_time") else None
        from_after = from_time if "from_time" in values else closure.from_time
        until_after = until_time if "until_time" in values else closure.until_time
        if first == last and from_after and until_after and until_after <= from_after:
            errors.append(FieldError("until_time", "hours_reversed"))
        check_text(errors, values, "reason", 300)
        check_text(errors, values, "reason_en", 300)
        agency, counter = closure.agency_id, closure.counter_id
        if "agency" in values or "counter" in values:
            agency = counter = None
        if values.get("agency"):
            found = self._agency_or_none(values["agency"])
            if found is None:
                errors.append(FieldError("agency", "agency_unknown"))
            agency = found.id if found else None
        if values.get("counter"):
            found = self._counter_or_none(values["counter"])
            if found is None:
                errors.append(FieldError("counter", "counter_unknown"))
            agency, counter = (found.agency_id, found.id) if found else (agency, None)
        _raise(errors)
        closure.starts_on, closure.ends_on = starts_on or closure.starts_on, ends_on or closure.ends_on
        closure.agency_id, closure.counter_id = agency, counter
        closure.from_time, closure.until_time = from_after, until_after
        if values.get("reason") is not None:  # a new reason in one language only is the reason in both
            closure.reason = values["reason"].strip()
            closure.reason_en = (values.get("reason_en") or values["reason"]).strip()
        elif values.get("reason_en") is not None:
            closure.reason_en = values["reason_en"].strip() or closure.reason
        if values.get("holiday") is not None:  # a local holiday (a kabupaten's anniversary) or a closure
            closure.kind = "holiday" if values["holiday"] else "manual"

    def _settle_closure(self, closure: Closure, counters_before: set[int]) -> list[str]:
        """Fit the bookings of the counters a closure touches (and touched) to it; the codes cancelled."""
        self.session.flush()
        scope = counters_of_scope(self.session, self.site, closure.agency_id, closure.counter_id)
        if closure.counter_id is not None:
            what = self.session.get(Counter, closure.counter_id).label  # the notice names what closed
        elif closure.agency_id is not None:
            what = self.session.get(Agency, closure.agency_id).name
        else:
            what = None
        why = closed_notice(what, closure.reason, closure.reason_en)
        return settle_counters(
            self.session, self.site, scope | counters_before, now=self.now, force=self.force, reason=why
        )

    def remove_closure(self, closure_id: int) -> None:
        closure = self.closure(closure_id)
        before = _closure_fields(closure)
        scope = counters_of_scope(self.session, self.site, closure.agency_id, closure.counter_id)
        self.session.delete(closure)
        settle_counters(self.session, self.site, scope, now=self.now, force=self.force, reason=SCHEDULE_CHANGED)
        self._audit("closure.remove", f"closure:{closure_id}", before, None)

    # search synonyms: the ways citizens write a service

    def synonyms(self) -> list[SearchSynonym]:
        return search.site_synonyms(self.session, self.site)

    def add_synonym(self, values: dict[str, Any]) -> SearchSynonym:
        errors = _required(values, ("term", "means"))
        for name in ("term", "means"):
            check_text(errors, values, name, 100)
        _raise(errors)
        plain = {name: search.plain(values[name]) for name in ("term", "means")}
        term, means = plain["term"], plain["means"]
        if not term or not means:  # punctuation only: nothing a search could match
            errors += [FieldError(name, "value_invalid") for name, text in plain.items() if not text]
        elif search.joined(term) == search.joined(means):
            errors.append(FieldError("means", "synonym_same"))
        elif any(search.same_synonym(row, term, means) for row in self.synonyms()):
            errors.append(FieldError("term", "value_taken"))
        _raise(errors)
        synonym = SearchSynonym(site_id=self.site.id, term=term, means=means)
        self.session.add(synonym)
        self.session.flush()
        self._audit("synonym.create", f"synonym:{synonym.id}", None, _synonym_fields(synonym))
        return synonym

    def remove_synonym(self, synonym_id: int) -> None:
        synonym = self.session.scalar(
            select(SearchSynonym).where(SearchSynonym.id == synonym_id, SearchSynonym.site_id == self.site.id)
        )
        if synonym is None:
            raise NotFound(what="synonym")
        before = _synonym_fields(synonym)
        self.session.delete(synonym)
        self._audit("synonym.remove", f"synonym:{synonym_id}", before, None)

    # the site's own settings

    def update_site(self, values: dict[str, Any]) -> Site:
        errors: list[FieldError] = []
        check_text(errors, values, "name", 200)
        check_text(errors, values, "address", 300)
        check_text(errors, values, "privacy_contact", 300)
        for name, low, high in (
            ("min_lead_minutes", 0, 7 * 24 * 60),
            ("max_days_ahead", 1, 366),
            ("reminder_soon_minutes", 1, 24 * 60),
            ("no_show_grace_minutes", 0, 24 * 60),
            ("arrival_early_minutes", 0, 24 * 60),
            ("arrival_late_minutes", 0, 24 * 60),
            ("turn_soon_places", 0, 50),
            ("recalls_before_missed", 0, 10),
            ("personal_data_retention_days", 1, 3650),
            ("survey_link_days", 1, 90),
            ("waitlist_hold_minutes", 5, 240),
            ("family_max", 1, 10),
            ("visit_walk_minutes", 0, 120),
        ):
            in_range(errors, values, name, low, high)
        if values.get("reminder_day_before_at") is not None:
            values = {**values, "reminder_day_before_at": _time(errors, values, "reminder_day_before_at")}
        if "channels" in values:
            values = {**values, "channels": check_site_channels(errors, values["channels"])}
        _raise(errors)
        before = _fields(self.site, SITE_FIELDS)
        for name in SITE_FIELDS:
            if name in values:
                setattr(self.site, name, values[name])
        self._audit("site.update", f"site:{self.site.slug}", before, _fields(self.site, SITE_FIELDS))
        return self.site

    # helpers

    def _audit(self, action, target, before, after, cancelled: list[str] | None = None) -> None:
        self.cancelled += cancelled or []
        if cancelled:
            after = {**(after or {}), "cancelled_bookings": cancelled}
        self.session.flush()
        audit.record(
            self.session, actor=self.principal.username, action=action, target=target, site_id=self.site.id,
            now=self.now, before=before, after=after,
        )  # fmt: skip

    def _agency_or_none(self, slug: str) -> Agency | None:
        if not isinstance(slug, str) or unusable_key(slug):
            return None
        return self.session.scalar(select(Agency).where(Agency.site_id == self.site.id, Agency.slug == slug))

    def _counter_or_none(self, label: str) -> Counter | None:
        if not isinstance(label, str) or unusable_key(label):
            return None
        return self.session.scalar(
            select(Counter)
            .where(Counter.site_id == self.site.id, Counter.label == label.strip())
            .options(selectinload(Counter.services), selectinload(Counter.rules))
        )

    def _refuse_overlap(self, counter: Counter, checked: dict[str, Any], rule_id: int | None = None) -> None:
        """Two rules of one counter on one weekday whose hours meet would double its places."""
        for other in counter.rules:
            same_day = other.id != rule_id and other.weekday == checked["weekday"]
            if same_day and rules_overlap(checked, {name: getattr(other, name) for name in RULE_FIELDS}):
                raise InvalidInput([FieldError("opens_at", "rule_overlaps", {"rule": other.id})])

    def _services_of(self, errors, codes, agency_id: int | None) -> list[Service]:
        """The services a counter will serve: known codes of the counter's own agency."""
        services = []
        if not isinstance(codes, list):
            errors.append(FieldError("services", "type_invalid"))
            return services
        for position, code in enumerate(codes):
            service = catalogue.get_service(self.session, self.site, str(code))
            if service is None:
                errors.append(FieldError(f"services[{position}]", "service_unknown"))
            elif agency_id is not None and service.agency_id != agency_id:
                errors.append(FieldError(f"services[{position}]", "not_your_agency"))
            elif not catalogue.offered(service):
                errors.append(FieldError(f"services[{position}]", "service_retired"))
            else:
                services.append(service)
        return services

    def _check_service(self, errors, values) -> None:
        check_text(errors, values, "name", 300)
        in_range(errors, values, "duration_minutes", 1, 480)
        if values.get("daily_quota") is not None:
            in_range(errors, values, "daily_quota", 0, 100_000)
        requirements = values.get("requirements", [])
        if not isinstance(requirements, list) or any(
            not isinstance(line, str) or len(line) > 300 or any(ord(char) < 32 for char in line)
            for line in requirements
        ):
            errors.append(FieldError("requirements", "value_invalid"))


def check_rule(values: dict[str, Any], *, required: bool) -> dict[str, Any]:
    errors = _required(values, REQUIRED_TO_CREATE["rule"]) if required else []
    weekday = values.get("weekday")
    if isinstance(weekday, str):
        weekday = WEEKDAYS.get(weekday.strip().lower()[:3])
    if weekday is None or not isinstance(weekday, int) or not 0 <= weekday <= 6:
        errors.append(FieldError("weekday", "out_of_range", {"low": 0, "high": 6}))
    checked = {"weekday": weekday}
    for name in ("opens_at", "closes_at", "break_starts_at", "break_ends_at"):
        checked[name] = _time(errors, values, name)
    for name in ("valid_from", "valid_until"):
        checked[name] = _date(errors, values, name)
    in_range(errors, values, "slot_minutes", 5, 240)
    in_range(errors, values, "capacity", 0, 1000)
    # a rule that offers no place is refused, new or changed: to close a counter, add a closure instead
    if type(values.get("capacity")) is int and values["capacity"] == 0:
        errors.append(FieldError("capacity", "capacity_zero"))
    in_range(errors, values, "walk_in_places", 0, 1000)
    checked |= {name: values.get(name) for name in ("slot_minutes", "capacity", "walk_in_places")}
    opens, closes = checked["opens_at"], checked["closes_at"]
    if opens and closes and opens >= closes:
        errors.append(FieldError("closes_at", "hours_reversed"))
    elif (
        opens
        and closes
        and isinstance(checked["slot_minutes"], int)
        and checked["slot_minutes"] > _minutes(opens, closes)
    ):
        errors.append(FieldError("slot_minutes", "slot_longer_than_hours"))
    break_start, break_end = checked["break_starts_at"], checked["break_ends_at"]
    if (break_start is None) != (break_end is None) or (
        break_start and break_end and opens and closes and not opens <= break_start < break_end <= closes
    ):
        errors.append(FieldError("break_starts_at", "break_outside_hours"))
    share, capacity = checked["walk_in_places"], checked["capacity"]
    if isinstance(share, int) and isinstance(capacity, int) and share > capacity:
        errors.append(FieldError("walk_in_places", "walk_in_share_too_big"))
    if checked["valid_from"] and checked["valid_until"] and checked["valid_until"] < checked["valid_from"]:
        errors.append(FieldError("valid_until", "dates_reversed"))
    _raise(errors)
    return checked


def _minutes(first: dt.time, second: dt.time) -> int:
    return (second.hour * 60 + second.minute) - (first.hour * 60 + first.minute)


def rules_overlap(first: dict, second: dict) -> bool:
    """Hours and validity of two rules (of one counter and weekday) meet."""
    hours = first["opens_at"] < second["closes_at"] and second["opens_at"] < first["closes_at"]
    begins = max(first["valid_from"] or dt.date.min, second["valid_from"] or dt.date.min)
    ends = min(first["valid_until"] or dt.date.max, second["valid_until"] or dt.date.max)
    return hours and begins <= ends


LABEL = re.compile(r"^[^/?#%\\\x00-\x1f]{1,64}$")  # it is part of URLs: /admin/counters/{label}


def check_label(errors: list[FieldError], values: dict) -> None:
    check_text(errors, values, "label", 64)
    label = values.get("label")
    if isinstance(label, str) and label.strip() and not LABEL.match(label.strip()):
        errors.append(FieldError("label", "label_invalid"))


def _required(values: dict, names) -> list[FieldError]:
    return [FieldError(name, "required") for name in names if values.get(name) in (None, "")]


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise InvalidInput(errors)


def check_text(errors, values, name, longest) -> None:
    if name in values and values[name] is not None:
        text = values[name]
        if not isinstance(text, str) or not text.strip():
            errors.append(FieldError(name, "required"))
        elif len(text) > longest or any(ord(char) < 32 for char in text):
            errors.append(FieldError(name, "value_invalid"))


def check_site_channels(errors, channels) -> list[str]:
    """The channels a site offers: known ones, each once, kept in the one order pages list them in."""
    if not isinstance(channels, list) or any(channel not in ALL_CHANNELS for channel in channels):
        errors.append(FieldError("channels", "channel_unknown"))
        return []
    return [channel for channel in ALL_CHANNELS if channel in channels]


def check_flag(errors, values, name) -> None:
    if name in values and not isinstance(values[name], bool):
        errors.append(FieldError(name, "type_invalid"))


def in_range(errors, values, name, low, high) -> None:
    value = values.get(name)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high):
        errors.append(FieldError(name, "out_of_range", {"low": low, "high": high}))


def _refuse_impossible_id(row_id: int, what: str) -> None:
    if not 1 <= row_id <= MAX_ROW_ID:
        raise NotFound(what=what)


def _time(errors, values, name) -> dt.time | None:
    """A wall-clock time of the site ("08:00"): one with an offset is refused, not silently stripped of it
    (an offset names another zone, and opening hours are always the site's)."""
    time = _iso(errors, values, name, dt.time, "time_format")
    if time is not None and time.tzinfo is not None:
        errors.append(FieldError(name, "time_with_offset"))
        return None
    return time


def _date(errors, values, name) -> dt.date | None:
    return _iso(errors, values, name, dt.date, "date_format")


def _iso(errors, values, name, kind, error_code):
    """A time or date given as ISO text (or already parsed); a field error for anything else."""
    value = values.get(name)
    if value is None or isinstance(value, kind):
        return value
    try:
        return kind.fromisoformat(str(value))
    except ValueError:
        errors.append(FieldError(name, error_code))
        return None


def _fields(row, names) -> dict[str, Any]:
    """A row's fields as JSON for the audit log (times and dates as ISO text)."""
    return {name: _plain(getattr(row, name)) for name in names}


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date | dt.time) else value


def _service_fields(service: Service) -> dict[str, Any]:
    return _fields(service, ("code", "name", "duration_minutes", "requirements", "daily_quota", "active"))


def _counter_fields(counter: Counter) -> dict[str, Any]:
    return {"label": counter.label, "services": sorted(service.code for service in counter.services)}


def _synonym_fields(synonym: SearchSynonym) -> dict[str, Any]:
    return {"term": synonym.term, "means": synonym.means}


def _closure_fields(closure: Closure) -> dict[str, Any]:
    return _fields(
        closure,
        ("starts_on", "ends_on", "from_time", "until_time", "reason", "reason_en", "agency_id", "counter_id", "kind"),
    )
