"""Service search finds what citizens type: MPP Blora's demo synonyms, on SQLite and PostgreSQL, through the
API and the pages alike; case, spaces and punctuation forgiven; short words only as whole words."""

from __future__ import annotations

import datetime as dt

import pytest

from booking.demo import load_demo
from booking.search import Haystack, concepts, joined, synonym_table, words


@pytest.fixture
def blora(db, client):
    with db.write() as session:
        load_demo(session, dt.date(2026, 11, 30))
    return client


def found(client, query: str) -> set[str]:
    answer = client.get("/api/v1/sites/blora/services", params={"q": query})
    assert answer.status_code == 200, answer.text
    return {service["code"] for service in answer.json()}


KTP_EL = {f"DKP-0{n}" for n in range(1, 7)}  # "Perekaman KTP-el (pemula)" ... "KTP-el luar domisili"


def test_every_way_of_writing_e_ktp_akte_kk_finds_the_same_services(blora):
    assert found(blora, "ktp") == KTP_EL
    for query in ("e-ktp", "E-KTP", "ektp", "e ktp", "EKTP", "e.ktp", "ktp-el", "ktpel", "KTP el"):
        assert found(blora, query) == KTP_EL, query
    assert found(blora, "e-ktp hilang") == {"DKP-03"}

    akta = found(blora, "akta")
    assert {"DKP-10", "DKP-11", "DKP-12", "DKP-13", "DKP-14", "DKP-17", "PAG-03"} <= akta
    assert found(blora, "akte") == found(blora, "Akte") == akta
    assert found(blora, "akte lahir") == found(blora, "akta kelahiran") == {"DKP-10", "DKP-11"}
    assert found(blora, "akta nikah") == {"DKP-13"}  # "Akta perkawinan (non-Muslim)", by the synonym nikah = kawin

    family_card = {"DKP-07", "DKP-08", "DKP-09"}
    assert found(blora, "kk") == found(blora, "KK") == family_card
    assert found(blora, "kartu keluarga") == found(blora, "Kartu-Keluarga") == found(blora, "kartukeluarga")
    assert found(blora, "kartu keluarga") == family_card  # and no Dinkes service, whose codes are DKK-01...


def test_sim_paspor_and_old_names_find_today_s_services(blora):
    assert found(blora, "sim") == {"POL-05", "BRI-01"}  # the SIM renewal, and paying its PNBP at BRI
    assert found(blora, "surat izin mengemudi") == found(blora, "sim")  # and not "... berkas SIMBG" (PUR-06)

    passport = found(blora, "paspor")
    assert {"IMI-01", "IMI-02", "IMI-03", "IMI-04", "KMG-04"} <= passport
    assert found(blora, "pasport") == found(blora, "passport") == found(blora, "PASPOR") == passport

    assert found(blora, "imb") == found(blora, "pbg") and "PUR-03" in found(blora, "imb")
    assert found(blora, "skck") == found(blora, "surat kelakuan baik") == {"POL-01", "POL-02", "BRI-01"}
    assert "PLN-01" in found(blora, "pasang listrik")  # PLN's "Pasang baru"


def test_a_query_of_punctuation_finds_nothing_and_an_empty_one_everything(blora):
    assert found(blora, "%_-") == set()
    assert found(blora, "100%_") == set()
    assert len(found(blora, "")) == 271  # Blora's services, the search left out


def test_synonyms_belong_to_their_site(blora):
    denpasar = "/api/v1/sites/denpasar/services"
    assert [s["code"] for s in blora.get(denpasar, params={"q": "ktp"}).json()] == ["DKP-01"]
    assert blora.get(denpasar, params={"q": "ektp"}).json() == []  # Blora's synonyms are Blora's


def test_the_pages_search_the_same_way(blora):
    page = blora.get("/s/blora", params={"q": "E-KTP"}).text
    assert "Perekaman KTP-el (pemula)" in page and "Kartu Keluarga (KK) baru" not in page


def test_plain_words_fold_case_accents_and_punctuation():
    assert words("Perekaman E-KTP (Pémula)") == ["perekaman", "e", "ktp", "pemula"]
    assert joined("E-KTP") == joined("e ktp") == joined("ektp") == "ektp"


def test_a_short_word_must_be_a_whole_word_and_a_long_one_may_be_part_of_one():
    haystack = Haystack.of("Akta kelahiran terlambat", "DKP-11", "Dinas Kependudukan (Dindukcapil)")
    assert haystack.has("lahir") and haystack.has("dukcapil") and haystack.has("dkp11")
    assert haystack.has("dkp") and not haystack.has("kk") and not haystack.has("akt")


def test_a_synonym_is_matched_over_the_longest_run_of_words_and_both_ways_round():
    table = synonym_table([("kartu keluarga", "kk"), ("e-ktp", "ktp")])
    assert concepts("kartu keluarga hilang", table) == [{"kartu keluarga", "kk"}, {"hilang"}]
    assert concepts("e ktp", table) == [{"e ktp", "ktp"}]
    assert concepts("kk", table) == [{"kk", "kartu keluarga"}]
    assert concepts("baru", table) == [{"baru"}]
