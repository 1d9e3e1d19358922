"""What the waiting-list pages say, Indonesian and English (refusals use the API's own wording)."""

from __future__ import annotations

from booking.messages import Text

WAITLIST_WORDS: dict[str, Text] = {
    "waitlist_title": Text("Daftar tunggu", "Waiting list"),
    "waitlist_invite": Text(
        "Tanggal ini penuh. Masuk daftar tunggu: jika ada tempat yang kosong, kami tawarkan kepada Anda lewat "
        "pesan.",
        "This day is full. Join the waiting list: if a place comes free, we offer it to you by message.",
    ),
    "waitlist_join": Text("Masuk daftar tunggu", "Join the waiting list"),
    "waitlist_for": Text("Daftar tunggu {service}, {day}", "Waiting list for {service}, {day}"),
    "waitlist_day_open": Text(
        "Tanggal ini masih ada tempat: silakan pesan langsung.", "This day still has room: please book instead."
    ),
    "waitlist_wait_for": Text("Tunggu tempat", "Wait for a place"),
    "waitlist_this_day_only": Text("Hanya pada tanggal ini", "On this day only"),
    "waitlist_within_days": Text(
        "Tempat pertama yang kosong dalam {days} hari (sampai {until})",
        "The first place free within {days} days (until {until})",
    ),
    "waitlist_days": Text("{first} s.d. {last}", "{first} to {last}"),
    "waitlist_explained": Text(
        "Jika ada yang membatalkan, tempatnya ditahan untuk orang pertama di daftar dan ditawarkan lewat pesan "
        "berisi tautan. Terima sebelum waktunya habis; jika tidak, tempat diberikan kepada yang berikutnya.",
        "When someone cancels, the place is held for the first on the list and offered by a message with a link. "
        "Accept it before the time runs out; otherwise it goes to the next in line.",
    ),
    "waitlist_position": Text("Posisi Anda di daftar tunggu: {position}", "Your place on the waiting list: {position}"),
    "waitlist_offer": Text("Ada tempat untuk Anda!", "A place for you!"),
    "waitlist_held_until": Text("Ditahan untuk Anda sampai {until}.", "Held for you until {until}."),
    "waitlist_accept": Text("Terima tempat ini", "Accept this place"),
    "waitlist_decline": Text("Tolak", "Decline"),
    "waitlist_accepted": Text(
        "Anda sudah menerima tempat ini; pemesanannya ada di tautan yang kami kirim.",
        "You accepted this place; its booking is at the link we sent you.",
    ),
    "waitlist_lapsed": Text(
        "Tawaran ini sudah tidak berlaku (ditolak atau waktunya habis).",
        "This offer is no longer valid (declined or its time ran out).",
    ),
    "waitlist_leave": Text("Keluar dari daftar tunggu", "Leave the waiting list"),
    "waitlist_leave_explained": Text(
        "Keluar menghapus data Anda di daftar ini.", "Leaving deletes your details from this list."
    ),
    "waitlist_left": Text(
        "Anda sudah keluar dari daftar tunggu; data Anda di daftar ini sudah dihapus.",
        "You left the waiting list; your details on it are deleted.",
    ),
    "waitlist_not_found": Text(
        "Tautan daftar tunggu ini tidak berlaku (atau Anda sudah keluar dari daftar).",
        "This waiting-list link opens nothing (or you left the list).",
    ),
    "waitlist_keep_page": Text(
        "Simpan tautan halaman ini: di sini Anda melihat posisi Anda dan menjawab tawaran.",
        "Keep this page's link: here you see your place and answer an offer.",
    ),
}
