"""The call the hall hears: the Indonesian sentence for a ticket and a counter (one rule,
``booking.announcements``), and the audio the server makes of it with espeak-ng when a TV has no voice."""

from __future__ import annotations

import io
import os
import shutil
import wave

import pytest

from booking.announcements import announcement, number_words
from booking.speech import Speech, SpeechUnavailable


@pytest.mark.parametrize(
    ("ticket", "counter", "text", "spoken"),
    [
        (
            "A-012",
            "Loket 3",
            "Nomor antrian A 0 1 2, silakan menuju loket 3",
            "Nomor antrian a, nol satu dua. Silakan menuju loket tiga.",
        ),
        (
            "DKP-105",
            "Loket 12",
            "Nomor antrian D K P 1 0 5, silakan menuju loket 12",
            "Nomor antrian de ka pe, satu nol lima. Silakan menuju loket dua belas.",
        ),
        (
            "SAM-004",
            "9",
            "Nomor antrian S A M 0 0 4, silakan menuju loket 9",
            "Nomor antrian es a em, nol nol empat. Silakan menuju loket sembilan.",
        ),
        (
            "b-100",
            "LOKET 21",
            "Nomor antrian B 1 0 0, silakan menuju loket 21",
            "Nomor antrian be, satu nol nol. Silakan menuju loket dua puluh satu.",
        ),
        (
            "Q-007",
            "Loket Baru 11",
            "Nomor antrian Q 0 0 7, silakan menuju loket Baru 11",
            "Nomor antrian ki, nol nol tujuh. Silakan menuju loket baru sebelas.",
        ),
        (
            "X-9",
            "A1",
            "Nomor antrian X 9, silakan menuju loket A1",
            "Nomor antrian eks, sembilan. Silakan menuju loket a satu.",
        ),
    ],
)
def test_the_call_reads_the_ticket_digit_by_digit_and_the_counter_as_a_number(ticket, counter, text, spoken):
    said = announcement(ticket, counter)
    assert said.text == text
    assert said.spoken == spoken


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "nol"),
        (7, "tujuh"),
        (10, "sepuluh"),
        (11, "sebelas"),
        (15, "lima belas"),
        (20, "dua puluh"),
        (34, "tiga puluh empat"),
        (100, "seratus"),
        (115, "seratus lima belas"),
        (250, "dua ratus lima puluh"),
        (1000, "seribu"),
        (1001, "seribu satu"),
        (2026, "dua ribu dua puluh enam"),
    ],
)
def test_numbers_in_indonesian_words(number, words):
    assert number_words(number) == words


@pytest.mark.parametrize("ticket", ["", "012", "A-", "ABCDE-1", "A-12345", "A 1 2"])
def test_what_is_not_a_ticket_is_never_announced(ticket):
    with pytest.raises(ValueError):
        announcement(ticket, "Loket 1")


def espeak_or_skip() -> None:
    if shutil.which("espeak-ng") is None:
        message = "espeak-ng is missing (apt-get install espeak-ng)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " — CI=true requires it")
        pytest.skip(message)


def test_the_server_speaks_the_call_as_a_real_wav_of_plausible_length(tmp_path):
    espeak_or_skip()
    sentence = announcement("A-012", "Loket 3").spoken
    audio = Speech(tmp_path / "speech").wav(sentence)
    assert audio[:4] == b"RIFF" and audio[8:12] == b"WAVE"
    with wave.open(io.BytesIO(audio)) as sound:
        seconds = sound.getnframes() / sound.getframerate()
        assert sound.getnchannels() == 1
        assert sound.getframerate() >= 8000
    assert 2.0 < seconds < 15.0, seconds  # a dozen words at a calm pace; not silence, not a loop
    longer = Speech(tmp_path / "speech").wav(announcement("DKP-105", "Loket 12").spoken)
    with wave.open(io.BytesIO(longer)) as sound:
        assert sound.getnframes() / sound.getframerate() > seconds  # more words, longer audio: it says them


def test_each_sentence_is_made_once_then_read_from_the_cache(tmp_path):
    espeak_or_skip()
    speech = Speech(tmp_path / "speech")
    first = speech.wav("Nomor antrian a, nol satu dua. Silakan menuju loket tiga.")
    cached = list((tmp_path / "speech").glob("*.wav"))
    assert len(cached) == 1 and not list((tmp_path / "speech").glob("*.part"))
    cached[0].write_bytes(first[:44] + b"\x00" * 100)  # a marked copy: the next answer must come from it
    assert speech.wav("Nomor antrian a, nol satu dua. Silakan menuju loket tiga.") == first[:44] + b"\x00" * 100
    assert speech.wav("Nomor antrian a, nol satu tiga. Silakan menuju loket tiga.") != first
    assert len(list((tmp_path / "speech").glob("*.wav"))) == 2


def test_without_espeak_ng_the_server_says_it_cannot_speak(tmp_path):
    with pytest.raises(SpeechUnavailable):
        Speech(tmp_path / "speech", program="espeak-ng-not-installed").wav("Nomor antrian a, satu.")
