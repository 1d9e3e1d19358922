"""What the visit pages say (several services, or a family, under one code), Indonesian and English; refusals
use the API's own wording (``booking.messages``)."""

from __future__ import annotations

from booking.messages import Text

VISIT_WORDS: dict[str, Text] = {
    "visitpage_title": Text("Beberapa layanan dalam satu kunjungan", "Several services in one visit"),
    "visitpage_invite": Text(
        "Perlu beberapa layanan? Pesan dalam satu kunjungan", "Need several services? Book them as one visit"
    ),
    "visitpage_explained": Text(
        "Pilih 2 sampai {most} layanan dan satu hari: kami usulkan waktu yang berurutan, dengan jeda berjalan "
        "{minutes} menit antarloket. Semua dipesan sekaligus dengan satu kode, atau tidak sama sekali. Untuk "
        "satu layanan bagi beberapa anggota keluarga, pilih satu layanan dan jumlah orang.",
        "Choose 2 to {most} services and a day: we propose times one after the other, with {minutes} minutes to "
        "walk between counters. All are booked at once under one code, or none. For one service for several "
        "family members, choose one service and how many come.",
    ),
    "visitpage_services": Text("Layanan yang diperlukan (urut sesuai daftar)", "Services needed (in the list's order)"),
    "visitpage_day": Text("Hari kunjungan", "Day of the visit"),
    "visitpage_people": Text("Jumlah orang yang datang", "How many people come"),
    "visitpage_people_choice": Text("{count} orang", "{count} person(s)"),
    "visitpage_show_times": Text("Tampilkan waktu", "Show the times"),
    "visitpage_pick_more": Text(
        "Pilih paling sedikit dua layanan, atau satu layanan untuk lebih dari satu orang.",
        "Choose at least two services, or one service for more than one person.",
    ),
    "visitpage_too_many": Text("Pilih paling banyak {most} layanan.", "Choose at most {most} services."),
    "visitpage_no_chain": Text(
        "Tidak ada urutan waktu yang muat untuk layanan ini pada {day}. Coba hari lain.",
        "No chain of times fits these services on {day}. Try another day.",
    ),
    "visitpage_proposals": Text("Pilih urutan waktu pada {day} ({zone})", "Choose a chain of times on {day} ({zone})"),
    "visitpage_proposal": Text("Usulan {number}", "Proposal {number}"),
    "visitpage_step": Text("{time}: {service} — {agency}, {counter}", "{time}: {service} — {agency}, {counter}"),
    "visitpage_counters": Text("loket yang tersedia", "a counter that serves it"),
    "visitpage_members": Text("Anggota keluarga yang ikut", "Family members who come along"),
    "visitpage_member": Text("Anggota {number}", "Member {number}"),
    "visitpage_member_hint": Text(
        "NIK dan nama saja; baris yang kosong diabaikan. Pesan dikirim ke Anda.",
        "NIK and name only; empty rows are left out. Messages go to you.",
    ),
    "visitpage_confirm": Text("Pesan kunjungan ini", "Book this visit"),
}
