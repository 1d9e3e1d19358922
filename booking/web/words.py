"""What the pages say besides the shared messages: headings, labels and buttons, Indonesian and English.

Errors and closure reasons are not here: pages show them with the API's own wording
(``booking.messages``), so a citizen reads the same sentence whichever door they came in by.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date

from booking.messages import Text, long_date, status_name
from booking.web.admin_words import ADMIN_WORDS
from booking.web.display_words import DISPLAY_WORDS
from booking.web.queue_words import QUEUE_WORDS
from booking.web.reports_words import REPORT_WORDS
from booking.web.staff_words import STAFF_WORDS
from booking.web.survey_words import SURVEY_WORDS
from booking.web.visit_words import VISIT_WORDS
from booking.web.waitlist_words import WAITLIST_WORDS

WORDS: dict[str, Text] = {
    "app_name": Text("Antrian MPP", "Antrian MPP"),
    "tagline": Text("Pesan antrean layanan di Mal Pelayanan Publik", "Book a time at a public service mall"),
    "skip": Text("Langsung ke isi", "Skip to content"),
    "switch_language": Text("English", "Bahasa Indonesia"),
    "choose_site": Text("Pilih Mal Pelayanan Publik", "Choose a public service mall"),
    "find_service": Text("Cari layanan", "Find a service"),
    "search_label": Text("Nama layanan atau instansi", "Service or agency name"),
    "search_button": Text("Cari", "Search"),
    "by_agency": Text("Atau pilih instansi", "Or choose an agency"),
    "services_count": Text("{count} layanan", "{count} services"),
    "results_for": Text("Hasil pencarian “{query}”", "Results for “{query}”"),
    "no_results": Text("Tidak ada layanan yang cocok.", "No service matches."),
    "all_agencies": Text("Semua instansi", "All agencies"),
    "minutes": Text("{minutes} menit", "{minutes} minutes"),
    "what_to_bring": Text("Yang perlu dibawa", "What to bring"),
    "nothing_to_bring": Text("Tidak ada persyaratan khusus.", "Nothing in particular."),
    "choose_day": Text("Pilih hari", "Choose a day"),
    "earlier_days": Text("« Hari sebelumnya", "« Earlier days"),
    "later_days": Text("Hari berikutnya »", "Later days »"),
    "day_open": Text("Tersedia", "Available"),
    "day_full": Text("Penuh", "Fully booked"),
    "day_closed": Text("Tutup", "Closed"),
    "times_on": Text("Waktu pada {day}", "Times on {day}"),
    "places_left": Text("sisa {count}", "{count} left"),
    "no_times": Text(
        "Tidak ada waktu kosong pada {day}. Pilih hari lain.", "No free time on {day}. Choose another day."
    ),
    "your_details": Text("Data Anda", "Your details"),
    "chosen_time": Text("Waktu yang dipilih", "Chosen time"),
    "change_time": Text("Ganti waktu", "Change the time"),
    "nik": Text("NIK (16 angka, sesuai KTP)", "NIK (16 digits, as on the ID card)"),
    "name": Text("Nama lengkap", "Full name"),
    "phone": Text("Nomor HP", "Mobile number"),
    "phone_hint": Text("Contoh: 081234567890", "For example 081234567890"),
    "email": Text("Email (tidak wajib)", "E-mail (optional)"),
    "remind_by": Text("Ingatkan saya lewat", "Remind me by"),
    "sms": Text("SMS", "SMS"),
    "whatsapp": Text("WhatsApp", "WhatsApp"),
    "email_channel": Text("Email", "E-mail"),
    "no_messages_hint": Text(
        "Tanpa pesan, kode pemesanan dan tautannya hanya ada di halaman berikut: catat atau simpan sendiri.",
        "Without messages, the booking code and its link are only on the next page: note them down yourself.",
    ),
    "no_messages_choice": Text(
        "Tanpa pesan: saya akan mencatat kode pemesanan sendiri",
        "No messages: I will note the booking code down myself",
    ),
    "confirm_booking": Text("Konfirmasi pemesanan", "Confirm the booking"),
    "form_has_errors": Text("Periksa kembali isian yang ditandai.", "Please check the marked fields."),
    "booked": Text("Pemesanan berhasil", "Your booking is confirmed"),
    "your_booking": Text("Pemesanan Anda", "Your booking"),
    "booking_code": Text("Kode pemesanan", "Booking code"),
    "visit_title": Text("Kunjungan ini", "This visit"),
    "visit_hint": Text(
        "Satu kode untuk semua layanan dan anggota keluarga di bawah ini; membatalkannya membatalkan semuanya. "
        "Di loket, setiap orang dapat menunjukkan kodenya sendiri.",
        "One code for every service and family member below; cancelling it cancels them all. At the counter, "
        "each person may show their own code.",
    ),
    "show_code": Text(
        "Tunjukkan kode ini (atau kode QR-nya) di loket.", "Show this code (or its QR code) at the counter."
    ),
    "qr_title": Text("Kode QR pemesanan {code}", "QR code of booking {code}"),
    "status": Text("Status", "Status"),
    "when": Text("Waktu", "When"),
    "service": Text("Layanan", "Service"),
    "agency": Text("Instansi", "Agency"),
    "counter": Text("Loket", "Counter"),
    "place": Text("Tempat", "Place"),
    "add_to_calendar": Text("Simpan ke kalender (.ics)", "Add to calendar (.ics)"),
    "manage_link": Text("Tautan pribadi untuk pemesanan ini", "Your private link to this booking"),
    "manage_link_hint": Text(
        "Simpan tautan ini dan jangan dibagikan: dengan tautan ini pemesanan bisa dilihat, dibatalkan "
        "atau dijadwalkan ulang. Tautan yang sama dikirim lewat pesan.",
        "Keep this link and do not share it: it shows, cancels and reschedules the booking. The same link "
        "is in your messages.",
    ),
    "manage_link_hint_no_messages": Text(
        "Simpan tautan ini dan jangan dibagikan: dengan tautan ini pemesanan bisa dilihat, dibatalkan "
        "atau dijadwalkan ulang. Tautan ini tidak dikirim kepada Anda.",
        "Keep this link and do not share it: it shows, cancels and reschedules the booking. It is not sent to you.",
    ),
    "manage_link_kept": Text(
        "Simpan tautan ini dan jangan dibagikan: dengan tautan ini pemesanan dan pesan-pesannya bisa dilihat.",
        "Keep this link and do not share it: it shows the booking and its messages.",
    ),
    "over_cancelled": Text(
        "Pemesanan ini sudah dibatalkan. Kodenya tidak berlaku lagi di loket.",
        "This booking is cancelled. Its code is no longer valid at the counter.",
    ),
    "over_served": Text(
        "Anda sudah dilayani. Terima kasih atas kunjungan Anda.", "You were served. Thank you for coming."
    ),
    "over_no_show": Text(
        "Anda tidak datang pada waktu ini, jadi kodenya tidak berlaku lagi.",
        "You did not come at this time, so the code is no longer valid.",
    ),
    "cancel_reason": Text("Alasan", "Reason"),
    "book_again": Text("Pesan waktu baru untuk layanan ini", "Book a new time for this service"),
    "reminders": Text("Pesan dan pengingat", "Messages and reminders"),
    "no_messages_sent": Text(
        "Tidak ada pesan yang akan dikirim untuk pemesanan ini: Anda memilih tanpa pesan. Catat kode "
        "pemesanan di atas dan simpan tautan pribadi ini; tidak ada pengingat.",
        "No messages will be sent for this booking: you chose no messages. Note down the booking code above "
        "and keep the private link; there will be no reminders.",
    ),
    "planned_for": Text("Dijadwalkan", "Planned for"),
    "no_reminders": Text("Belum ada pesan.", "No messages yet."),
    "cancel": Text("Batalkan pemesanan", "Cancel the booking"),
    "cancel_question": Text("Yakin ingin membatalkan pemesanan ini?", "Do you really want to cancel this booking?"),
    "cancel_explained": Text(
        "Tempat Anda akan diberikan kepada warga lain. Pembatalan tidak bisa diurungkan.",
        "Your place will go to someone else. A cancellation cannot be undone.",
    ),
    "cancel_yes": Text("Ya, batalkan", "Yes, cancel it"),
    "keep_booking": Text("Tidak, kembali", "No, go back"),
    "cancelled_done": Text("Pemesanan telah dibatalkan.", "The booking is cancelled."),
    "reschedule": Text("Jadwalkan ulang", "Reschedule"),
    "reschedule_title": Text("Pilih waktu baru", "Choose a new time"),
    "reschedule_explained": Text(
        "Waktu lama tetap milik Anda sampai waktu baru berhasil dipesan.",
        "You keep the old time until the new one is booked.",
    ),
    "move_here": Text("Pindahkan ke waktu ini", "Move to this time"),
    "rescheduled_done": Text("Pemesanan telah dijadwalkan ulang.", "The booking is rescheduled."),
    "back_to_booking": Text("Kembali ke pemesanan", "Back to the booking"),
    "back_to_start": Text("Kembali ke halaman awal", "Back to the start"),
    "error_title": Text("Maaf", "Sorry"),
    "csrf_failed": Text(
        "Formulir ini sudah kedaluwarsa. Muat ulang halaman lalu kirim lagi.",
        "This form has expired. Reload the page and send it again.",
    ),
    "form_sent_before": Text(
        "Formulir ini sudah pernah dikirim dengan isi lain. Periksa isiannya lalu kirim lagi.",
        "This form was already sent with other details. Check them and send it again.",
    ),
    "page_not_found": Text("Halaman tidak ditemukan.", "Page not found."),
    "booking_erased": Text(
        "Data pribadi pemesanan ini sudah dihapus, sehingga tautan ini tidak lagi membuka pemesanan.",
        "The personal data of this booking has been erased, so this link no longer opens the booking.",
    ),
    # the privacy notice: short by the booking button, in full on its own page (booking.messages)
    "privacy_short": Text(
        "Data Anda (NIK, nama, nomor HP, email) dipakai untuk pemesanan ini dan pesan-pesannya, dan disimpan "
        "sampai {days} hari setelah kunjungan. Anda dapat melihat atau menghapusnya lewat tautan pribadi "
        "pemesanan. Dengan menekan “Konfirmasi pemesanan”, Anda menyetujui pemberitahuan privasi ini.",
        "Your details (NIK, name, mobile number, e-mail) are used for this booking and its messages, and kept "
        "until {days} days after the visit. You can see or erase them through the booking's private link. By "
        "pressing “Confirm the booking” you agree to this privacy notice.",
    ),
    "privacy_read_more": Text("Baca pemberitahuan privasi lengkap", "Read the full privacy notice"),
    "privacy_title": Text("Pemberitahuan privasi", "Privacy notice"),
    "privacy_version": Text(
        "Versi {version}. Dasar hukum: UU No. 27 Tahun 2022 tentang Pelindungan Data Pribadi.",
        "Version {version}. Legal basis: Law No. 27 of 2022 on Personal Data Protection.",
    ),
    "back_to_services": Text("Kembali ke daftar layanan", "Back to the services"),
    # the citizen's own data, from the manage page
    "personal_data": Text("Data pribadi", "Personal data"),
    "my_data": Text("Data pribadi saya", "My personal data"),
    "erase_my_data": Text("Hapus data saya", "Erase my data"),
    "my_data_intro": Text(
        "Inilah semua data pribadi Anda yang disimpan untuk pemesanan ini, dan untuk apa.",
        "This is all the personal data held for this booking, and why.",
    ),
    "data_nik": Text("NIK", "NIK"),
    "data_nik_held": Text(
        "Disimpan sebagai kode acak (hash); 4 angka terakhir: {last4}", "Kept as a keyed hash; last 4 digits: {last4}"
    ),
    "data_name": Text("Nama", "Name"),
    "data_of_visit": Text(
        "Data lain dalam kunjungan ini (dihapus bersama data Anda)", "The rest of this visit (erased with yours)"
    ),
    "data_service": Text("Layanan", "Service"),
    "data_phone": Text("Nomor HP", "Mobile number"),
    "data_email": Text("Email", "E-mail"),
    "data_not_held": Text("tidak disimpan", "not held"),
    "data_purpose": Text("Untuk apa", "Why"),
    "data_notice": Text("Pemberitahuan privasi yang disetujui", "Privacy notice agreed to"),
    "data_notice_none": Text("tidak tercatat", "not recorded"),
    "data_erase_after": Text("Dihapus otomatis paling lambat", "Erased automatically at the latest on"),
    "data_erased_at": Text("Dihapus pada", "Erased on"),
    "erase_question": Text("Yakin ingin menghapus data pribadi Anda?", "Do you really want to erase your data?"),
    "erase_explained": Text(
        "NIK, nama, nomor HP dan email Anda dihapus dan tautan pribadi ini tidak lagi membuka pemesanan. "
        "Penghapusan tidak bisa diurungkan.",
        "Your NIK, name, mobile number and e-mail are erased and this private link no longer opens the "
        "booking. Erasure cannot be undone.",
    ),
    "erase_cancels": Text(
        "Pemesanan ini belum berlangsung, jadi akan dibatalkan lebih dulu: tempat Anda diberikan kepada warga "
        "lain, dan pesan pembatalan terakhir tetap dikirim kepada Anda.",
        "This booking is still ahead, so it is cancelled first: your place goes to someone else, and a last "
        "message confirms the cancellation to you.",
    ),
    "erase_yes": Text("Ya, hapus data saya", "Yes, erase my data"),
    "erased_done": Text("Data pribadi Anda telah dihapus.", "Your personal data has been erased."),
    "booking_not_found": Text(
        "Pemesanan tidak ditemukan. Periksa kembali tautan dari pesan Anda.",
        "Booking not found. Check the link in your messages.",
    ),
}

NOTIFICATION_KINDS: dict[str, Text] = {
    "booking_confirmed": Text("Konfirmasi", "Confirmation"),
    "reminder_day_before": Text("Pengingat sehari sebelumnya", "Reminder the day before"),
    "reminder_soon": Text("Pengingat menjelang waktu", "Reminder shortly before"),
    "booking_cancelled": Text("Pembatalan", "Cancellation"),
    "booking_rescheduled": Text("Jadwal ulang", "Reschedule"),
    "survey": Text("Survei kepuasan", "Satisfaction survey"),
    "waitlist_offer": Text("Tawaran dari daftar tunggu", "Waiting-list offer"),
}

WORDS.update(STAFF_WORDS)  # the staff pages' words, kept in a file of their own
WORDS.update(DISPLAY_WORDS)  # the display board's
WORDS.update(QUEUE_WORDS)  # the kiosk's, the ticket's and the clerk's queue
WORDS.update(SURVEY_WORDS)  # the satisfaction survey and its report
WORDS.update(WAITLIST_WORDS)  # the waiting list of a full day
WORDS.update(VISIT_WORDS)  # a visit of several services, or of a family
WORDS.update(REPORT_WORDS)  # the report pages'
WORDS.update(ADMIN_WORDS)  # the admin pages' (/admin)

CHANNEL_WORDS = {"sms": "sms", "whatsapp": "whatsapp", "email": "email_channel"}


class Words:
    """The page's vocabulary in one language, handed to templates as ``t``."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, key: str, **params: object) -> str:
        return WORDS[key](self.language, **params)

    def status(self, status: str) -> str:
        return status_name(status, self.language)

    def kind(self, kind: str) -> str:
        return NOTIFICATION_KINDS[kind](self.language) if kind in NOTIFICATION_KINDS else kind

    def channel(self, channel: str) -> str:
        return self(CHANNEL_WORDS[channel]) if channel in CHANNEL_WORDS else channel

    def day(self, day: dt.date) -> str:
        """ "Selasa, 1 Desember 2026" / "Tuesday 1 December 2026", as the messages write it."""
        return long_date(day, self.language)

    def short_day(self, day: dt.date) -> str:
        """ "Sel, 1 Des" / "Tue, 1 Dec": fits a phone's width in the day list."""
        return format_date(day, "EEE, d MMM", locale=self.language)

    def clock(self, moment: dt.datetime) -> str:
        """ "08.30" in Indonesian, "08:30" in English, in the moment's own zone."""
        separator = "." if self.language == "id" else ":"
        return f"{moment.hour:02d}{separator}{moment.minute:02d}"
