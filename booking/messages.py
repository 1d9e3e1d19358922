"""Every human sentence the API says, in Indonesian (the default) and English, keyed by a stable code.

Problem ``code``s, per-field error codes and the reasons a day is closed all live here, so that the API
and (later) the pages and notifications use the same wording.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from babel.dates import format_date

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"


@dataclass(frozen=True)
class Text:
    id: str
    en: str

    def __call__(self, language: str, **params: object) -> str:
        template = self.en if language == "en" else self.id
        return template.format(**params) if params else template


PROBLEMS: dict[str, Text] = {
    "validation_error": Text("Data yang dikirim tidak valid.", "The request data is not valid."),
    "not_found": Text("Data tidak ditemukan.", "Not found."),
    "slot_full": Text(
        "Waktu yang dipilih sudah penuh. Silakan pilih waktu lain.",
        "The chosen time is fully booked. Please choose another time.",
    ),
    "quota_exhausted": Text(
        "Kuota harian layanan ini sudah habis. Silakan pilih hari lain.",
        "The daily quota for this service is used up. Please choose another day.",
    ),
    "duplicate_booking": Text(
        "NIK ini sudah memiliki pemesanan aktif untuk layanan ini pada hari yang sama.",
        "This NIK already has an active booking for this service on that day.",
    ),
    "closed": Text("Tidak bisa memesan pada hari itu: {reason}", "Booking is not possible that day: {reason}"),
    "invalid_transition": Text(
        "Pemesanan dengan status '{status}' tidak dapat {action}.",
        "A booking with status '{status}' cannot be {action}.",
    ),
    "idempotency_conflict": Text(
        "Idempotency-Key ini sudah dipakai untuk permintaan lain atau masih diproses.",
        "This Idempotency-Key was used for a different request or is still being processed.",
    ),
    "unauthorized": Text("Perlu masuk terlebih dahulu.", "Authentication is required."),
    "wrong_credentials": Text("Nama pengguna atau kata sandi salah.", "Wrong username or password."),
    "forbidden": Text("Anda tidak berhak melakukan ini.", "You are not allowed to do this."),
    "rate_limited": Text(
        "Terlalu banyak permintaan. Silakan coba lagi sebentar lagi.", "Too many requests. Please try again shortly."
    ),
    "account_locked": Text(
        "Akun ini dikunci sementara karena kata sandi salah beberapa kali. Coba lagi dalam {minutes} menit.",
        "This account is locked for a while after several wrong passwords. Try again in {minutes} minute(s).",
    ),
    "wrong_day": Text("Pemesanan ini untuk {date}, bukan hari ini.", "This booking is for {date}, not for today."),
    "bookings_affected": Text(
        "Perubahan ini akan membuat {count} pemesanan kehilangan tempat. Lihat daftar 'bookings'; "
        "ulangi dengan force=true untuk membatalkannya dengan pemberitahuan.",
        "This change would leave {count} booking(s) without a place. See the 'bookings' list; "
        "repeat with force=true to cancel them with a notice.",
    ),
    "last_admin": Text(
        "Ini admin aktif terakhir MPP ini: buat atau aktifkan admin lain dahulu.",
        "This is the site's last active admin: create or enable another admin first.",
    ),
    "method_not_allowed": Text("Metode tidak diizinkan untuk alamat ini.", "Method not allowed for this address."),
    "payload_too_large": Text("Data yang dikirim terlalu besar.", "The request body is too large."),
    "unsupported_media_type": Text(
        "Kirim data dalam format JSON (application/json).", "Send the data as JSON (application/json)."
    ),
    "ticket_invalid_transition": Text(
        "Nomor antrian dengan status '{status}' tidak dapat {action}.",
        "A queue ticket with status '{status}' cannot be {action}.",
    ),
    "missed_too_soon": Text(
        "Panggil ulang {recalls} kali sebelum menandai tidak hadir.",
        "Call the ticket again {recalls} times before marking it missed.",
    ),
    "queue_empty": Text("Tidak ada antrian yang menunggu untuk loket ini.", "Nobody is waiting for this counter."),
    "counter_busy": Text(
        "Loket ini masih memanggil atau melayani {ticket}. Selesaikan atau tandai tidak hadir dahulu.",
        "This counter is still calling or serving {ticket}. Finish it or mark it missed first.",
    ),
    "too_early": Text(
        "Terlalu awal: nomor antrian untuk pemesanan ini dapat diambil mulai pukul {time}.",
        "Too early: the queue ticket for this booking can be taken from {time}.",
    ),
    "walk_ins_full": Text(
        "Tempat untuk pengunjung tanpa pemesanan hari ini sudah habis. Silakan pesan waktu secara online.",
        "Today's places for visitors without a booking are gone. Please book a time online.",
    ),
    "busy": Text(
        "Server sedang sangat sibuk dan tidak ada yang diubah. Silakan coba lagi sebentar lagi.",
        "The server is very busy and nothing was changed. Please try again in a moment.",
    ),
    "survey_expired": Text(
        "Tautan survei ini sudah tidak berlaku sejak {date}. Terima kasih atas kunjungan Anda.",
        "This survey link expired on {date}. Thank you for your visit.",
    ),
    "day_has_room": Text(
        "Masih ada tempat pada {date}: silakan pesan langsung, daftar tunggu hanya untuk hari yang penuh.",
        "There is still room on {date}: please book instead; the waiting list is only for a full day.",
    ),
    "waitlist_duplicate": Text(
        "NIK ini sudah ada di daftar tunggu layanan ini untuk hari itu.",
        "This NIK is already on this service's waiting list for that day.",
    ),
    "offer_used": Text(
        "Tawaran ini sudah diterima: tempatnya sudah menjadi pemesanan Anda. Lihat tautan pemesanan Anda.",
        "This offer was already accepted: the place is your booking now. See your booking's link.",
    ),
    "offer_expired": Text(
        "Tawaran ini sudah tidak berlaku (ditolak atau waktunya habis); tempatnya sudah diberikan kepada yang "
        "berikutnya atau dibuka kembali.",
        "This offer is no longer valid (declined or its time ran out); the place went to the next in line or "
        "back on sale.",
    ),
    "visit_does_not_fit": Text(
        "Kunjungan tidak dapat dipesan utuh: langkah {step}, {service} pukul {time}, tidak punya tempat untuk "
        "{places} orang. Tidak ada yang dipesan; pilih waktu lain.",
        "The visit cannot be booked whole: step {step}, {service} at {time}, has no room for {places} "
        "person(s). Nothing was booked; choose another time.",
    ),
    "internal_error": Text(
        "Terjadi kesalahan pada server. Silakan coba lagi.", "Something went wrong on the server. Please try again."
    ),
}

ACTIONS: dict[str, Text] = {
    "cancel": Text("dibatalkan", "cancelled"),
    "reschedule": Text("dijadwalkan ulang", "rescheduled"),
    "accept": Text("diterima", "accepted"),
    "check_in": Text("check-in", "checked in"),
    "serve": Text("ditandai selesai dilayani", "marked served"),
    "no_show": Text("ditandai tidak hadir", "marked no-show"),
    "miss": Text("ditandai tidak hadir", "marked missed"),
    "arrive": Text("mengambil nomor antrian", "given a queue ticket"),
    "call": Text("dipanggil", "called"),
    "recall": Text("dipanggil ulang", "called again"),
    "start": Text("mulai dilayani", "started"),
    "done": Text("ditandai selesai", "marked done"),
    "missed": Text("ditandai tidak hadir", "marked missed"),
    "comeback": Text("kembali ke antrian", "put back in the queue"),
    "transfer": Text("dialihkan", "transferred"),
}

FIELD_ERRORS: dict[str, Text] = {
    "required": Text("Wajib diisi.", "This field is required."),
    "type_invalid": Text("Jenis data tidak sesuai.", "Wrong type of value."),
    "unknown_field": Text("Kolom ini tidak dikenal.", "Unknown field."),
    "json_invalid": Text("Isi permintaan bukan JSON yang valid.", "The request body is not valid JSON."),
    "value_invalid": Text("Nilai tidak valid.", "Invalid value."),
    "too_long": Text("Terlalu panjang.", "Too long."),
    "nik_format": Text("NIK harus terdiri dari 16 angka.", "The NIK must be 16 digits."),
    "nik_invalid": Text(
        "NIK tidak valid (kode wilayah atau tanggal lahir tidak sesuai).",
        "The NIK is not valid (region code or birth date does not match).",
    ),
    "nik_birth_date": Text(
        "NIK tidak valid: angka ke-7 sampai ke-12 harus tanggal lahir yang ada (tanggal ditambah 40 untuk perempuan).",
        "The NIK is not valid: digits 7 to 12 must be a real date of birth (the day plus 40 for a woman).",
    ),
    "name_length": Text("Nama harus 2 sampai 100 karakter.", "The name must be 2 to 100 characters."),
    "name_invalid": Text("Nama mengandung karakter yang tidak diizinkan.", "The name contains characters not allowed."),
    "phone_invalid": Text(
        "Nomor HP tidak valid. Contoh: 081234567890 atau +6281234567890.",
        "Not a valid mobile number. Example: 081234567890 or +6281234567890.",
    ),
    "phone_landline": Text(
        "Ini nomor telepon rumah atau kantor. Isi nomor HP (08...) yang bisa menerima SMS atau WhatsApp.",
        "This is a landline number. Give a mobile number (08...) that can take SMS or WhatsApp.",
    ),
    "phone_not_indonesian": Text(
        "Hanya nomor HP Indonesia (08... atau +62...) yang bisa dipakai.",
        "Only an Indonesian mobile number (08... or +62...) can be used.",
    ),
    "email_invalid": Text("Alamat email tidak valid.", "Not a valid e-mail address."),
    "email_not_ascii": Text(
        "Bagian sebelum @ tidak boleh memuat huruf beraksen atau aksara selain huruf Latin biasa.",
        "The part before the @ cannot contain accented or non-Latin letters.",
    ),
    "email_too_long": Text(
        "Bagian sebelum @ paling banyak 64 karakter.", "The part before the @ can be at most 64 characters."
    ),
    "email_character": Text(
        "Pesan tidak dapat dikirim ke alamat email yang memuat tanda petik ('). Gunakan alamat lain.",
        "Messages cannot be sent to an e-mail address with a quote ('). Please give another address.",
    ),
    "email_required": Text(
        "Isi alamat email untuk pengingat lewat email.", "Give an e-mail address to be reminded by e-mail."
    ),
    "channels_required": Text(
        "Pilih minimal satu cara menerima kode dan pengingat, atau pilih tanpa pesan.",
        "Choose at least one way to receive your code and reminders, or choose no messages.",
    ),
    "channels_with_no_messages": Text(
        "Pilih cara menerima pesan atau tanpa pesan, tidak keduanya.",
        "Choose how to receive messages or no messages, not both.",
    ),
    "channel_unknown": Text(
        "Saluran harus salah satu dari sms, email, whatsapp.", "A channel must be one of sms, email, whatsapp."
    ),
    "ticket_prefix_format": Text(
        "Awalan nomor antrian: satu sampai empat huruf A-Z.", "A ticket prefix is one to four letters A-Z."
    ),
    "code_or_service": Text(
        "Isi kode pemesanan, atau pilih layanan jika datang tanpa pemesanan (salah satu saja).",
        "Give the booking code, or choose a service when you come without a booking (one of the two).",
    ),
    "priority_unknown": Text(
        "Kelompok prioritas harus salah satu dari elderly, disabled, pregnant, with_children.",
        "A priority group must be one of elderly, disabled, pregnant, with_children.",
    ),
    "locale_unknown": Text("Bahasa harus 'id' atau 'en'.", "The language must be 'id' or 'en'."),
    "privacy_notice_unknown": Text(
        "Versi pemberitahuan privasi tidak dikenal. Tampilkan versi {version} kepada warga lalu kirim lagi.",
        "Unknown privacy notice version. Show version {version} to the citizen and send again.",
    ),
    "service_unknown": Text("Layanan tidak ditemukan di MPP ini.", "No such service at this site."),
    "family_size": Text("Satu kunjungan untuk 1 sampai {most} orang.", "One visit is for 1 to {most} person(s)."),
    "visit_steps": Text("Satu kunjungan berisi 1 sampai {most} layanan.", "One visit holds 1 to {most} service(s)."),
    "nik_repeated": Text("NIK ini sudah ada di kunjungan ini.", "This NIK is already in this visit."),
    "service_repeated": Text("Layanan ini sudah ada di kunjungan ini.", "This service is already in this visit."),
    "visit_one_day": Text(
        "Semua layanan satu kunjungan harus pada hari yang sama.", "Every service of one visit must be on one day."
    ),
    "visit_step_order": Text(
        "Layanan berikutnya harus mulai setelah layanan sebelumnya.", "Each service must start after the one before."
    ),
    "visit_step_too_close": Text(
        "Layanan ini mulai sebelum layanan sebelumnya selesai ditambah {minutes} menit untuk berpindah loket.",
        "This service starts before the previous one ends plus {minutes} minutes to walk to its counter.",
    ),
    "start_format": Text(
        "Waktu harus berformat ISO 8601, contoh 2026-12-01T08:00:00+07:00.",
        "The time must be ISO 8601, e.g. 2026-12-01T08:00:00+07:00.",
    ),
    "start_not_slot": Text(
        "Waktu ini bukan awal slot layanan. Pilih dari daftar waktu yang tersedia.",
        "This time is not the start of a slot. Choose one from the available times.",
    ),
    "start_too_soon": Text(
        "Pemesanan harus paling lambat {minutes} menit sebelum waktu layanan.",
        "Bookings must be made at least {minutes} minutes ahead.",
    ),
    "start_too_far": Text(
        "Pemesanan hanya bisa sampai {days} hari ke depan.", "Bookings can only be made up to {days} days ahead."
    ),
    "range_too_long": Text("Rentang paling lama {days} hari.", "The range can be at most {days} days."),
    "range_reversed": Text("Tanggal 'to' tidak boleh sebelum 'from'.", "'to' must not be before 'from'."),
    "date_format": Text("Tanggal harus berformat YYYY-MM-DD.", "The date must be YYYY-MM-DD."),
    "date_out_of_range": Text("Tanggal di luar jangkauan.", "The date is out of range."),
    "username_invalid": Text(
        "Nama pengguna 2-64 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung.",
        "A username is 2-64 characters: lower-case letters, digits, dot, underscore or hyphen.",
    ),
    "username_taken": Text("Nama pengguna sudah dipakai.", "This username is taken."),
    "password_too_short": Text(
        "Kata sandi minimal {length} karakter.", "The password must be at least {length} characters."
    ),
    "role_unknown": Text(
        "Peran harus 'admin', 'staff' atau 'partner'.", "The role must be 'admin', 'staff' or 'partner'."
    ),
    "site_unknown": Text("MPP tidak ditemukan.", "No such site."),
    "agency_retired": Text("Instansi ini sudah tidak aktif.", "This agency is retired."),
    "service_retired": Text(
        "Layanan ini sudah tidak tersedia di MPP ini.", "This service is no longer offered at this site."
    ),
    "channel_not_offered": Text(
        "MPP ini tidak mengirim pesan lewat saluran ini. Pilih salah satu dari: {offered}.",
        "This site does not send messages this way. Choose one of: {offered}.",
    ),
    "channels_none_offered": Text("Pilih minimal satu saluran.", "Choose at least one channel."),
    "agency_unknown": Text("Instansi tidak ditemukan di MPP ini.", "No such agency at this site."),
    "counter_unknown": Text("Loket tidak ditemukan di MPP ini.", "No such counter at this site."),
    "not_your_agency": Text("Bukan layanan instansi Anda.", "Not a service of your agency."),
    "no_slot_now": Text(
        "Tidak ada slot yang sedang berjalan atau berikutnya hari ini untuk layanan ini.",
        "There is no current or next slot today for this service.",
    ),
    "value_taken": Text("Sudah dipakai di MPP ini.", "Already used at this site."),
    "not_changeable": Text("Tidak dapat diubah.", "This cannot be changed."),
    "label_invalid": Text(
        "Nama loket tidak boleh memuat / ? # % atau \\.", "A counter label cannot contain / ? # % or \\."
    ),
    "rule_overlaps": Text(
        "Bertumpuk dengan jam buka lain loket ini pada hari yang sama (aturan {rule}).",
        "Overlaps other opening hours of this counter on that weekday (rule {rule}).",
    ),
    "time_format": Text("Jam harus berformat HH:MM.", "The time must be HH:MM."),
    "time_with_offset": Text(
        "Tulis jam tanpa zona waktu (HH:MM): jam buka selalu menurut zona waktu MPP.",
        "Give the time without an offset (HH:MM): opening hours are always in the site's time zone.",
    ),
    "number_out_of_range": Text("Angka di luar batas yang diizinkan.", "The number is outside the allowed range."),
    "out_of_range": Text("Nilai harus antara {low} dan {high}.", "The value must be between {low} and {high}."),
    "hours_reversed": Text("Jam buka harus sebelum jam tutup.", "Opening must be before closing."),
    "break_outside_hours": Text(
        "Istirahat harus di dalam jam buka dan mulai sebelum selesai.",
        "The break must lie within opening hours and start before it ends.",
    ),
    "slot_longer_than_hours": Text(
        "Panjang slot melebihi jam buka hari itu.", "The slot is longer than the opening hours of the day."
    ),
    "capacity_zero": Text(
        "Kapasitas minimal 1 per slot. Untuk menutup loket, buat penutupan.",
        "The capacity must be at least 1 per slot. To close a counter, add a closure.",
    ),
    "walk_in_share_too_big": Text(
        "Jatah walk-in tidak boleh melebihi kapasitas.", "The walk-in share cannot exceed the capacity."
    ),
    "synonym_same": Text(
        "Sinonim harus berbeda dari kata yang dimaksud.", "A synonym must differ from what it stands for."
    ),
    "survey_answer_count": Text(
        "Jawab kesembilan unsur survei, masing-masing dengan angka 1 sampai 4, sesuai urutannya.",
        "Answer all nine elements of the survey, each with a number from 1 to 4, in their order.",
    ),
    "survey_answer_range": Text(
        "Pilih salah satu dari empat jawaban untuk unsur ke-{element} (angka 1 sampai 4).",
        "Choose one of the four answers for element {element} (a number from 1 to 4).",
    ),
    "comment_too_long": Text(
        "Saran atau komentar paling banyak {length} karakter.", "A comment can be at most {length} characters."
    ),
    "dates_reversed": Text(
        "Tanggal akhir tidak boleh sebelum tanggal mulai.", "The end date must not be before the start."
    ),
}

# The privacy notice (UU 27/2022, Pelindungan Data Pribadi) in the order it is read: the booking form's
# full notice page and the API's description of the booking POST both show these. Its version is
# ``booking.personal_data.PRIVACY_NOTICE_VERSION``: change the wording, change the version.
PRIVACY_NOTICE: dict[str, Text] = {
    "what": Text(
        "Yang kami kumpulkan: NIK, nama lengkap, nomor HP, dan email (jika Anda isi).",
        "What we collect: your NIK, full name, mobile number and e-mail (if you give one).",
    ),
    "why": Text(
        "Untuk apa: memesan layanan, mengirim pesan tentang pemesanan ini (konfirmasi, pengingat, perubahan), "
        "dan menjaga aturan satu pemesanan per warga per layanan per hari. NIK hanya disimpan sebagai kode "
        "acak (hash) dan 4 angka terakhirnya.",
        "Why: to book the service, to send this booking's messages (confirmation, reminders, changes) and to "
        "keep the rule of one booking per citizen per service per day. Your NIK is kept only as a keyed hash "
        "and its last 4 digits.",
    ),
    "who": Text(
        "Siapa yang melihat: petugas instansi yang melayani Anda melihat nama lengkap Anda hanya pada hari "
        "kunjungan, untuk memanggil Anda; NIK selalu disamarkan. Setiap tampilan nama dicatat.",
        "Who sees it: the clerks of the agency serving you see your full name only on the day of your visit, "
        "to call you; your NIK always stays masked. Every view of names is logged.",
    ),
    "how_long": Text(
        "Berapa lama: sampai {days} hari setelah kunjungan, lalu dihapus otomatis. Catatan tanpa identitas "
        "(layanan, waktu, status) tetap disimpan untuk laporan pelayanan.",
        "How long: until {days} days after the visit; then it is erased automatically. Records without your "
        "identity (service, time, status) are kept for service reports.",
    ),
    "rights": Text(
        "Hak Anda: melihat dan menghapus data Anda kapan saja lewat tautan pribadi pemesanan. Pemesanan yang "
        "belum berlangsung dibatalkan lebih dulu.",
        "Your rights: see and erase your data at any time through the booking's private link. A booking "
        "still ahead is cancelled first.",
    ),
    "contact": Text("Pertanyaan atau keluhan: {contact}.", "Questions or complaints: {contact}."),
}
# When a site names no contact of its own.
PRIVACY_CONTACT_FALLBACK = Text("meja informasi {site}", "the information desk of {site}")

# Why each piece of a citizen's data is held: the answer of GET /bookings/{code}/personal-data.
PERSONAL_DATA_PURPOSES: dict[str, Text] = {
    "nik": Text(
        "Satu pemesanan per warga per layanan per hari (disimpan sebagai hash dan 4 angka terakhir).",
        "One booking per citizen per service per day (kept as a keyed hash and the last 4 digits).",
    ),
    "name": Text("Agar petugas dapat memanggil Anda pada hari kunjungan.", "So the clerk can call you on the day."),
    "phone": Text("Untuk pesan pemesanan lewat SMS atau WhatsApp.", "For the booking's messages by SMS or WhatsApp."),
    "email": Text("Untuk pesan pemesanan lewat email.", "For the booking's messages by e-mail."),
    "contact_kept": Text(
        "Kontak Anda (nomor HP atau email) disimpan sampai pesan pembatalan terkirim, lalu dihapus.",
        "Your contact (mobile number or e-mail) is kept until the cancellation notice is sent, then erased.",
    ),
}

DAY_REASONS: dict[str, Text] = {
    "no_service": Text("Tidak ada layanan pada hari {weekday}", "No service on {weekday}"),
    "past": Text("Tanggal sudah lewat", "This day has passed"),
    "not_yet_open": Text("Belum dibuka untuk pemesanan", "Not yet open for booking"),
    "too_late": Text("Waktu pemesanan untuk hari itu sudah lewat", "Booking for that day has closed"),
    "quota_exhausted": Text("Kuota harian sudah habis", "The daily quota is used up"),
    "closed_for_today": Text("Layanan sudah tutup untuk hari ini", "The service has closed for today"),
}

# A closure as the citizen is told it: what closed, then why. A closure of the whole site (or a national
# holiday) gives its reason alone on the calendar; a cancellation notice says the MPP closed.
CLOSED_PART = Text("{what} tutup: {reason}", "{what} is closed: {reason}")
CLOSED_PARTS = Text("{what} tutup: {reason}", "{what} are closed: {reason}")  # several counters
CLOSED_SITE = Text("MPP tutup: {reason}", "The MPP is closed: {reason}")

# A booking's status as a person reads it; the JSON keeps the codes (they are the contract).
STATUS_NAMES: dict[str, Text] = {
    "confirmed": Text("Terkonfirmasi", "Confirmed"),
    "checked_in": Text("Sudah hadir", "Checked in"),
    "served": Text("Selesai dilayani", "Served"),
    "no_show": Text("Tidak hadir", "Did not come"),
    "cancelled": Text("Dibatalkan", "Cancelled"),
    # confirmed, but held for a waiting-list offer the citizen has not accepted yet (``lifecycle.HELD``)
    "held": Text("Ditawarkan ke daftar tunggu", "Offered to the waiting list"),
}

# A queue ticket's status, as a refusal of one of its steps names it.
TICKET_STATUS_NAMES: dict[str, Text] = {
    "waiting": Text("Menunggu", "Waiting"),
    "called": Text("Dipanggil", "Called"),
    "serving": Text("Sedang dilayani", "Being served"),
    "done": Text("Selesai", "Done"),
    "missed": Text("Terlewat", "Missed"),
}

# A message's delivery status, as the booking page and the schedule's CSV name it.
NOTIFICATION_STATUS_NAMES: dict[str, Text] = {
    "pending": Text("Menunggu", "Waiting"),
    "sent": Text("Terkirim", "Sent"),
    "failed": Text("Gagal", "Failed"),
}
YES_NO = {True: Text("ya", "yes"), False: Text("tidak", "no")}

# Babel patterns: "Selasa, 1 Desember 2026" / "Tuesday 1 December 2026" (as the messages write a date).
LONG_DATE = {"id": "EEEE, d MMMM y", "en": "EEEE d MMMM y"}


def status_name(status: str, language: str) -> str:
    """A booking's status (or, failing that, a message's or a queue ticket's) in words."""
    names = STATUS_NAMES.get(status) or NOTIFICATION_STATUS_NAMES.get(status) or TICKET_STATUS_NAMES.get(status)
    return names(language) if names else status


def long_date(day: dt.date, language: str) -> str:
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    return format_date(day, LONG_DATE[language], locale=language)


def no_service_on(day: dt.date) -> Text:
    """ "Tidak ada layanan pada hari Minggu": the day named, never "hari ini" (it may be any day ahead)."""
    template = DAY_REASONS["no_service"]
    return Text(*(template(language, weekday=format_date(day, "EEEE", locale=language)) for language in LANGUAGES))


def closed_notice(what: str | None, reason: str, reason_en: str, *, several: bool = False) -> Text:
    """Why a day is closed or a booking was cancelled, naming what closed (an agency, a counter, ``several``
    counters); the MPP itself when ``what`` is None."""
    if what is None:
        return Text(CLOSED_SITE("id", reason=reason), CLOSED_SITE("en", reason=reason_en or reason))
    template = CLOSED_PARTS if several else CLOSED_PART
    return Text(template("id", what=what, reason=reason), template("en", what=what, reason=reason_en or reason))


def negotiate_language(accept_language: str | None) -> str:
    """The best of our languages for an ``Accept-Language`` header; Indonesian when nothing matches."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE
