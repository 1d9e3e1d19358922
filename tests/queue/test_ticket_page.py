"""The ticket's own page (``ticket_url``), through the app, on SQLite and PostgreSQL: it follows the ticket
through the day as the citizen would read it on their phone, and shows nothing personal."""

from __future__ import annotations

from tests.queue.pages import shown


def status(floor, ticket: str) -> str:
    page = floor.client.get(f"/t/uji/{ticket}")
    assert page.status_code == 200, page.text
    return shown(page.text)["ticket-status"]


def test_the_ticket_page_is_where_ticket_url_leads(floor):
    code = floor.book(9)
    floor.at(8, 40)
    url = floor.arrive(code).json()["ticket_url"]

    page = floor.client.get(url.removeprefix("http://antrian.test"))

    assert url == "http://antrian.test/t/uji/A-001" and page.status_code == 200
    assert shown(page.text)["ticket-number"] == "A-001"
    assert "<title>Kode QR halaman nomor antrian A-001</title>" in page.text and url in page.text
    assert page.headers["refresh"] == "20"  # follows the turn without a script
    assert "Siti Aminah" not in page.text and code not in page.text  # nothing personal, not even the code


def test_the_ticket_page_follows_the_ticket_from_waiting_to_done(floor):
    floor.at(8, 5)
    first, second = floor.ticket(service="KTP"), floor.ticket(service="KTP")
    page = shown(floor.client.get(f"/t/uji/{second}").text)
    assert (page["ticket-ahead"], page["ticket-wait"]) == ("1 orang", "± 8 menit")  # 15 minutes over two counters

    floor.called("Loket 1")
    page = shown(floor.client.get(f"/t/uji/{second}").text)
    assert (page["ticket-status"], page["ticket-ahead"], page["ticket-wait"]) == (
        "Menunggu dipanggil",
        "Anda berikutnya",
        "sebentar lagi",
    )
    assert floor.called("Loket 2") == second
    assert status(floor, second) == "Dipanggil ke Loket 2: silakan menuju loket"
    assert "ticket-ahead" not in floor.client.get(f"/t/uji/{second}").text  # no longer in the line
    floor.step(second, "start")
    assert status(floor, second) == "Sedang dilayani di Loket 2"
    floor.step(second, "done")
    assert status(floor, second) == "Selesai dilayani. Terima kasih."
    assert status(floor, first) == "Dipanggil ke Loket 1: silakan menuju loket"


def test_a_missed_ticket_says_how_to_come_back(floor):
    floor.at(8, 5)
    ticket = floor.ticket(service="KTP")
    floor.called("Loket 1")
    for _ in range(2):
        floor.step(ticket, "recall")
    floor.step(ticket, "missed")

    assert status(floor, ticket) == (
        "Terlewat: Anda tidak ada saat dipanggil. Lapor ke petugas loket untuk kembali ke antrian (satu kali)."
    )


def test_a_transferred_ticket_shows_where_it_waits_now(floor):
    floor.at(8, 5)
    ticket = floor.ticket(service="KTP")
    floor.called("Loket 1")
    floor.step(ticket, "transfer", service="PKB")

    page = floor.client.get(f"/t/uji/{ticket}").text

    assert shown(page)["ticket-status"] == "Menunggu dipanggil" and "Service PKB" in page and "Agency samsat" in page


def test_the_ticket_page_in_english_and_an_unknown_ticket(floor):
    floor.at(8, 5)
    ticket = floor.ticket(service="KTP")
    floor.called("Loket 1")

    english = floor.client.get(f"/t/uji/{ticket}", params={"lang": "en"}).text

    assert shown(english)["ticket-status"] == "Called to Loket 1: please go there now"
    for path in ("/t/uji/A-999", "/t/uji/nonsense", "/t/nowhere/A-001"):
        assert floor.client.get(path).status_code == 404, path


def test_the_citizen_can_stop_the_page_updating_itself(floor):
    floor.at(8, 5)
    ticket = floor.ticket(service="KTP")
    page = floor.client.get(f"/t/uji/{ticket}").text
    assert f'<a href="/t/uji/{ticket}?otomatis=0">Hentikan pembaruan otomatis</a>' in page

    still = floor.client.get(f"/t/uji/{ticket}", params={"otomatis": "0"})

    assert "refresh" not in still.headers and "<meta http-equiv" not in still.text
    assert shown(still.text)["ticket-refresh"] == "Pembaruan otomatis dimatikan."
    assert f'<a href="/t/uji/{ticket}">Nyalakan pembaruan otomatis</a>' in still.text
