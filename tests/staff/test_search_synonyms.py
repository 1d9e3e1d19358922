"""Admins teach their site's search the ways citizens write its services (``/api/v1/admin/synonyms``):
every change audited, bad input refused field by field, clerks not allowed, the search following at once."""

from __future__ import annotations

ADMIN = "/api/v1/admin/synonyms"


def search(office, query: str) -> list[str]:
    return [service["code"] for service in office.client.get("/api/v1/sites/uji/services", params={"q": query}).json()]


def test_an_admin_adds_a_synonym_and_the_search_finds_by_it_at_once_then_no_more_once_removed(office):
    assert search(office, "ektp") == []
    made = office.client.post(ADMIN, json={"term": "E-KTP", "means": " KTP "}, headers=office.admin)
    assert made.status_code == 201
    synonym = made.json()
    assert synonym == {"id": synonym["id"], "term": "e ktp", "means": "ktp"}  # kept in plain form
    assert office.client.get(ADMIN, headers=office.admin).json() == [synonym]
    for query in ("ektp", "e-ktp", "E KTP"):
        assert search(office, query) == ["KTP"], query
    assert "Perekaman KTP-el" in office.client.get("/s/uji", params={"q": "ektp"}).text

    assert office.client.delete(f"{ADMIN}/{synonym['id']}", headers=office.admin).status_code == 204
    assert search(office, "ektp") == []
    assert office.client.delete(f"{ADMIN}/{synonym['id']}", headers=office.admin).status_code == 404

    audit = office.client.get("/api/v1/admin/audit", headers=office.admin).json()
    changes = [(e["action"], e["target"], e["before"], e["after"]) for e in audit if e["action"].startswith("synonym")]
    target, fields = f"synonym:{synonym['id']}", {"term": "e ktp", "means": "ktp"}
    assert changes == [("synonym.remove", target, fields, None), ("synonym.create", target, None, fields)]
    assert all(e["actor"] == "kepala" for e in audit if e["action"].startswith("synonym"))


def refusal(office, body: dict) -> list[tuple[str, str]]:
    answer = office.client.post(ADMIN, json=body, headers=office.admin)
    assert answer.status_code == 422, answer.text
    return [(error["field"], error["code"]) for error in answer.json()["errors"]]


def test_a_synonym_already_known_either_way_round_the_same_word_or_no_word_is_refused(office):
    assert office.client.post(ADMIN, json={"term": "akte", "means": "akta"}, headers=office.admin).status_code == 201
    assert refusal(office, {"term": "AKTE", "means": "akta"}) == [("term", "value_taken")]
    assert refusal(office, {"term": "akta", "means": "akte"}) == [("term", "value_taken")]
    assert refusal(office, {"term": "K-K", "means": "kk"}) == [("means", "synonym_same")]
    assert refusal(office, {"term": "--", "means": "kk"}) == [("term", "value_invalid")]
    assert refusal(office, {"term": "x" * 101, "means": "kk"}) == [("term", "value_invalid")]
    assert refusal(office, {"means": "kk"}) == [("term", "required")]
    unknown = office.client.post(ADMIN, json={"term": "kk", "means": "kartu", "x": 1}, headers=office.admin)
    assert unknown.status_code == 422
    assert len(office.client.get(ADMIN, headers=office.admin).json()) == 1  # nothing half-written


def test_clerks_may_not_read_or_change_synonyms(office):
    assert office.client.get(ADMIN, headers=office.ani).status_code == 403
    assert office.client.post(ADMIN, json={"term": "akte", "means": "akta"}, headers=office.ani).status_code == 403
    assert office.client.get(ADMIN).status_code == 401
