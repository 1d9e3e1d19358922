from tests.factories import TOMORROW, at, bearer, booking_body, make_site, make_staff


def test_smoke(client, db, clock):
    make_site(db)
    make_staff(db, "ani")
    made = client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 8)))
    assert made.status_code == 201, made.text
    headers = bearer(client, "ani")
    schedule = client.get(f"/api/v1/staff/schedule?date={TOMORROW}", headers=headers)
    print(schedule.json())
    assert schedule.status_code == 200
    csv = client.get(f"/api/v1/staff/schedule?date={TOMORROW}", headers={**headers, "Accept": "text/csv"})
    print(csv.text)
    assert client.get("/api/v1/staff/schedule").status_code == 401
    code = made.json()["code"]
    r = client.post(f"/api/v1/staff/bookings/{code}/check-in", headers=headers)
    print(r.json())
    clock.advance(days=1, hours=1, minutes=5)
    r = client.post(f"/api/v1/staff/bookings/{code}/check-in", headers=headers)
    print(r.json())
    r = client.post(f"/api/v1/staff/bookings/{code}/check-in", headers=headers)
    print(r.json())
    r = client.post("/api/v1/staff/walk-ins", headers=headers, json={"service": "KTP", "citizen": {"nik": "3316011708850002", "name": "Budi"}})
    print(r.status_code, r.json())
