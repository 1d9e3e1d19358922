"""Sites, agencies and services as the contract lists them."""

from __future__ import annotations

from tests.factories import make_site


def test_sites_are_listed_with_their_zone(client, db):
    make_site(db)
    make_site(db, slug="denpasar", timezone="Asia/Makassar")
    sites = client.get("/api/v1/sites").json()
    assert {(site["slug"], site["timezone"]) for site in sites} == {
        ("uji", "Asia/Jakarta"),
        ("denpasar", "Asia/Makassar"),
    }
    # the contract's fields, what the privacy notice names (UU PDP: how long, whom to ask), the channels offered
    assert set(sites[0]) == {
        "slug", "name", "timezone", "address", "personal_data_retention_days", "privacy_contact", "channels",
    }  # fmt: skip
    assert sites[0]["channels"] == ["sms", "email", "whatsapp"]


def test_agencies_come_with_their_services_count(client, db):
    make_site(db)
    assert client.get("/api/v1/sites/uji/agencies").json() == [
        {"slug": "dukcapil", "name": "Dinas Kependudukan dan Pencatatan Sipil", "services_count": 2}
    ]


def test_services_show_agency_duration_and_what_to_bring(client, db):
    make_site(db)
    services = {service["code"]: service for service in client.get("/api/v1/sites/uji/services").json()}
    assert services["KK"]["requirements"] == ["Formulir F-1.01", "Buku nikah"]
    assert services["KK"]["agency"] == {"slug": "dukcapil", "name": "Dinas Kependudukan dan Pencatatan Sipil"}
    assert services["KTP"]["duration_minutes"] == 15


def test_services_can_be_searched_by_words_of_their_name(client, db):
    make_site(db)
    found = client.get("/api/v1/sites/uji/services", params={"q": "kartu KELUARGA"}).json()
    assert [service["code"] for service in found] == ["KK"]
    assert client.get("/api/v1/sites/uji/services", params={"q": "100%_"}).json() == []


def test_services_can_be_filtered_by_agency(client, db):
    make_site(db)
    assert len(client.get("/api/v1/sites/uji/services", params={"agency": "dukcapil"}).json()) == 2
    assert client.get("/api/v1/sites/uji/services", params={"agency": "samsat"}).json() == []


def test_an_unknown_site_is_not_found(client, db):
    for path in ("/agencies", "/services", "/services/KTP/availability"):
        answer = client.get(f"/api/v1/sites/nowhere{path}")
        assert answer.status_code == 404 and answer.json()["code"] == "not_found"
