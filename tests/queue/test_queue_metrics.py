"""/metrics shows the queue: who waits per agency, the longest wait, and each counter's calls of today."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def samples(client) -> dict[tuple[str, tuple], float]:
    """The scrape's samples of the queue, by name and labels."""
    found = {}
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for sample in family.samples:
            if sample.name.startswith("antrian_queue_"):
                found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def agency(slug: str) -> tuple:
    return (("agency", slug), ("site", "uji"))


def counter(slug: str, label: str) -> tuple:
    return (("agency", slug), ("counter", label), ("site", "uji"))


def test_the_queue_after_a_seeded_morning(floor):
    floor.at(8, 0)
    floor.ticket(service="KTP")  # A-001, arrived 08.00
    floor.at(8, 4)
    floor.ticket(service="KTP")  # A-002, 08.04
    floor.ticket(service="KTP")  # A-003, 08.04
    floor.ticket(service="PKB")  # SAM-001, 08.04
    floor.at(8, 10)
    assert floor.called("Loket 1") == "A-001"
    assert floor.step("A-001", "recall").status_code == 200
    assert floor.step("A-001", "done").status_code == 200
    assert floor.called("Loket 1") == "A-002"
    floor.at(8, 30)

    scraped = samples(floor.client)
    # Waiting at 08.30: A-003 since 08.04 (26 minutes) at Dindukcapil; SAM-001 since 08.04 at Samsat.
    assert scraped[("antrian_queue_waiting", agency("dukcapil"))] == 1
    assert scraped[("antrian_queue_waiting", agency("samsat"))] == 1
    assert scraped[("antrian_queue_oldest_waiting_seconds", agency("dukcapil"))] == 26 * 60
    assert scraped[("antrian_queue_oldest_waiting_seconds", agency("samsat"))] == 26 * 60
    # Loket 1 called A-001, recalled it once and called A-002: 3; Loket 2 and Loket 9 called nobody.
    assert scraped[("antrian_queue_calls_total", counter("dukcapil", "Loket 1"))] == 3
    assert scraped[("antrian_queue_calls_total", counter("dukcapil", "Loket 2"))] == 0
    assert scraped[("antrian_queue_calls_total", counter("samsat", "Loket 9"))] == 0

    # A queue that stopped moving: nobody is called for an hour, the oldest wait grows and the calls stay.
    floor.at(9, 30)
    later = samples(floor.client)
    assert later[("antrian_queue_oldest_waiting_seconds", agency("dukcapil"))] == 86 * 60
    assert later[("antrian_queue_calls_total", counter("dukcapil", "Loket 1"))] == 3

    # The next day, yesterday's leftovers are not today's queue.
    floor.clock.advance(days=1)
    tomorrow = samples(floor.client)
    assert tomorrow[("antrian_queue_waiting", agency("dukcapil"))] == 0
    assert tomorrow[("antrian_queue_oldest_waiting_seconds", agency("dukcapil"))] == 0
    assert tomorrow[("antrian_queue_calls_total", counter("dukcapil", "Loket 1"))] == 0
