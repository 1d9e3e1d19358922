"""Spoken sentences as audio, made on this machine by espeak-ng (Debian: ``apt-get install espeak-ng``).

For a display whose browser has no Indonesian voice: the server speaks instead, with espeak-ng's ``id``
voice, run as a program (never an online service). Each sentence is made once and kept as a WAV file
under the data folder, named by a hash of the voice and the sentence; later calls read the file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

PROGRAM = "espeak-ng"
VOICE = "id"
WORDS_PER_MINUTE = 140  # a little slower than espeak-ng's 175: a hall echoes
RUN_TIMEOUT_S = 30.0


class SpeechUnavailable(Exception):
    """espeak-ng is not installed, or could not make the audio."""


class Speech:
    def __init__(self, cache_dir: Path, *, program: str = PROGRAM, voice: str = VOICE) -> None:
        self.cache_dir = Path(cache_dir)
        self.program = program
        self.voice = voice

    def available(self) -> bool:
        return shutil.which(self.program) is not None

    def wav(self, sentence: str) -> bytes:
        """The sentence spoken, as a WAV file's bytes (made on first use, then read from the cache)."""
        key = hashlib.sha256(f"{self.program}|{self.voice}|{WORDS_PER_MINUTE}|{sentence}".encode()).hexdigest()
        path = self.cache_dir / f"{key[:40]}.wav"
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        executable = shutil.which(self.program)
        if executable is None:
            raise SpeechUnavailable(f"{self.program} is not installed (Debian: apt-get install espeak-ng)")
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.cache_dir, suffix=".part")
        os.close(handle)
        try:
            try:
                made = subprocess.run(
                    [executable, "-v", self.voice, "-s", str(WORDS_PER_MINUTE), "-w", temporary, "--stdin"],
                    input=sentence.encode(),
                    capture_output=True,
                    timeout=RUN_TIMEOUT_S,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as failure:
                raise SpeechUnavailable(f"{self.program} failed: {failure}") from None
            audio = Path(temporary).read_bytes()
            if made.returncode != 0 or audio[:4] != b"RIFF" or audio[8:12] != b"WAVE":
                problem = made.stderr.decode(errors="replace").strip()[:200]
                raise SpeechUnavailable(f"{self.program} exited with {made.returncode}: {problem}")
            os.replace(temporary, path)  # atomic: two displays asking at once both get a whole file
            return audio
        finally:
            Path(temporary).unlink(missing_ok=True)
