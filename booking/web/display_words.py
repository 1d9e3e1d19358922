"""What the hall's display board says, Indonesian first: added to the pages' vocabulary (``booking.web.words``)."""

from __future__ import annotations

from booking.messages import Text

DISPLAY_WORDS: dict[str, Text] = {
    "display_title": Text("Papan antrean {site}", "Queue board of {site}"),
    "display_calling": Text("Dipanggil", "Now calling"),
    "display_counter": Text("Loket", "Counter"),
    "display_to": Text("menuju", "to"),
    "display_no_calls": Text("Belum ada panggilan.", "No one is being called."),
    "display_recent": Text("Panggilan terakhir", "Last calls"),
    "display_no_recent": Text("Belum ada.", "None yet."),
    "display_waiting": Text("Menunggu", "Waiting"),
    "display_agency": Text("Instansi", "Agency"),
    "display_ticket": Text("Nomor", "Ticket"),
    "display_people": Text("Orang", "People"),
    "display_nobody_waiting": Text("Tidak ada yang menunggu.", "Nobody is waiting."),
    "display_live": Text("Terhubung", "Connected"),
    "display_connecting": Text("Menyambung…", "Connecting…"),
    "display_lost": Text("Koneksi terputus, menyambung ulang…", "Connection lost, reconnecting…"),
    "display_sound_on": Text("Ketuk untuk menyalakan suara panggilan", "Tap to turn the call sound on"),
}
