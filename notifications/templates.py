"""Every sentence a citizen receives, in Indonesian (the default) and English.

Placeholders (all filled with plain text; HTML escaping happens in ``render``):
``{site}`` ``{code}`` ``{service}`` ``{agency}`` ``{when}`` (day, date, time and zone) ``{counter}``
``{url}`` (the private manage link; for ``turn_soon`` the ticket's page; for ``survey`` the survey's page,
never the manage link; for ``waitlist_offer`` the offer's page), ``{until}`` (a held place's deadline),
``{ticket}`` (a queue ticket, "A-012") and, in SMS, ``{reason}`` (" Alasan: ...." or nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

LOCALES = ("id", "en")
DEFAULT_LOCALE = "id"


@dataclass(frozen=True)
class Wording:
    subject: str  # e-mail subject
    headline: str  # first sentence of the e-mail and the WhatsApp message
    sms: str  # the whole SMS; it is shortened to two segments by ``render``
    show_requirements: bool = True  # "what to bring" is pointless once a booking is cancelled


WORDING: dict[str, dict[str, Wording]] = {
    "id": {
        "booking_confirmed": Wording(
            subject="Pemesanan {code} terkonfirmasi: {when}",
            headline="Pemesanan antrean Anda sudah terkonfirmasi.",
            sms="{site}: Pemesanan {code} terkonfirmasi. {service} - {agency}. {when}, {counter}. "
            "Persyaratan, ubah/batal: {url}",
        ),
        "reminder_day_before": Wording(
            subject="Pengingat: {service} besok, {when}",
            headline="Kami mengingatkan jadwal layanan Anda besok.",
            sms="{site}: Pengingat, jadwal Anda besok. {service} - {agency}. {when}, {counter}. "
            "Kode {code}. Persyaratan, ubah/batal: {url}",
        ),
        "reminder_soon": Wording(
            subject="Pengingat: {service} sebentar lagi, {when}",
            headline="Kami mengingatkan jadwal layanan Anda sebentar lagi.",
            sms="{site}: Pengingat, jadwal Anda sebentar lagi. {service} - {agency}. {when}, {counter}. "
            "Tunjukkan kode {code} di loket. Detail: {url}",
        ),
        "booking_cancelled": Wording(
            subject="Pemesanan {code} dibatalkan",
            headline="Pemesanan antrean Anda sudah dibatalkan.",
            sms="{site}: Pemesanan {code} dibatalkan. {service} - {agency}, {when}.{reason} Detail: {url}",
            show_requirements=False,
        ),
        "booking_rescheduled": Wording(
            subject="Jadwal pemesanan {code} diubah: {when}",
            headline="Jadwal pemesanan antrean Anda sudah diubah. Berikut jadwal barunya.",
            sms="{site}: Jadwal pemesanan {code} diubah. {service} - {agency}. Jadwal baru: {when}, {counter}. "
            "Persyaratan, ubah/batal: {url}",
        ),
        "turn_soon": Wording(
            subject="Nomor antrian {ticket} sebentar lagi dipanggil",
            headline="Giliran Anda sebentar lagi. Mohon bersiap di dekat loket.",
            sms="{site}: Nomor antrian {ticket} sebentar lagi dipanggil ({service} - {agency}). "
            "Mohon bersiap di dekat loket. Pantau: {url}",
            show_requirements=False,
        ),
        "survey": Wording(
            subject="Bagaimana pelayanan {service}? Survei kepuasan 2 menit",
            headline="Terima kasih telah datang. Mohon nilai pelayanan yang Anda terima: sembilan pertanyaan singkat.",
            sms="{site}: Terima kasih telah dilayani ({service} - {agency}). Mohon isi survei kepuasan singkat: {url}",
            show_requirements=False,
        ),
        "waitlist_offer": Wording(
            subject="Ada tempat untuk Anda: {service}, {when}",
            headline="Ada tempat yang kosong dari daftar tunggu, dan kami tahan untuk Anda sebentar.",
            sms="{site}: Ada tempat untuk Anda: {service} - {agency}, {when}. Ditahan sampai {until}. "
            "Terima/tolak: {url}",
        ),
    },
    "en": {
        "booking_confirmed": Wording(
            subject="Booking {code} confirmed: {when}",
            headline="Your booking is confirmed.",
            sms="{site}: Booking {code} confirmed. {service} - {agency}. {when}, {counter}. "
            "Requirements, change/cancel: {url}",
        ),
        "reminder_day_before": Wording(
            subject="Reminder: {service} tomorrow, {when}",
            headline="This is a reminder of your appointment tomorrow.",
            sms="{site}: Reminder, your appointment is tomorrow. {service} - {agency}. {when}, {counter}. "
            "Code {code}. Requirements, change/cancel: {url}",
        ),
        "reminder_soon": Wording(
            subject="Reminder: {service} coming up, {when}",
            headline="This is a reminder that your appointment is coming up soon.",
            sms="{site}: Reminder, your appointment is soon. {service} - {agency}. {when}, {counter}. "
            "Show code {code} at the counter. Details: {url}",
        ),
        "booking_cancelled": Wording(
            subject="Booking {code} cancelled",
            headline="Your booking has been cancelled.",
            sms="{site}: Booking {code} cancelled. {service} - {agency}, {when}.{reason} Details: {url}",
            show_requirements=False,
        ),
        "booking_rescheduled": Wording(
            subject="Booking {code} moved: {when}",
            headline="Your booking has been moved to a new time.",
            sms="{site}: Booking {code} moved. {service} - {agency}. New time: {when}, {counter}. "
            "Requirements, change/cancel: {url}",
        ),
        "turn_soon": Wording(
            subject="Queue ticket {ticket} will be called soon",
            headline="Your turn is coming up. Please wait near the counters.",
            sms="{site}: Queue ticket {ticket} will be called soon ({service} - {agency}). "
            "Please wait near the counters. Follow it: {url}",
            show_requirements=False,
        ),
        "survey": Wording(
            subject="How was the {service} service? A 2-minute satisfaction survey",
            headline="Thank you for your visit. Please rate the service you received: nine short questions.",
            sms="{site}: Thank you for your visit ({service} - {agency}). "
            "Please answer a short satisfaction survey: {url}",
            show_requirements=False,
        ),
        "waitlist_offer": Wording(
            subject="A place for you: {service}, {when}",
            headline="A place came free from the waiting list, and we are holding it for you for a short while.",
            sms="{site}: A place for you: {service} - {agency}, {when}. Held until {until}. Accept/decline: {url}",
        ),
    },
}

# The words around the facts, shared by e-mail and WhatsApp.
LABELS: dict[str, dict[str, str]] = {
    "id": {
        "greeting": "Yth. Bapak/Ibu,",
        "code": "Kode pemesanan",
        "service": "Layanan",
        "agency": "Instansi",
        "when": "Waktu",
        "counter": "Loket",
        "place": "Tempat",
        "reason": "Alasan",
        "bring": "Yang perlu dibawa:",
        "show_code": "Tunjukkan kode pemesanan ini di loket.",
        "manage": "Untuk melihat, mengubah jadwal, atau membatalkan pemesanan, buka tautan pribadi Anda:",
        "details": "Detail pemesanan dapat dilihat di tautan pribadi Anda:",
        "private": "Tautan ini khusus untuk Anda. Jangan bagikan kepada orang lain.",
        "thanks": "Terima kasih,",
        "sms_reason": "Alasan:",
        "ticket": "Nomor antrian",
        "follow_ticket": "Pantau giliran Anda di:",
        "survey_link": "Isi survei kepuasan masyarakat (SKM) di tautan ini, berlaku sampai {until}:",
        "visit": "Kunjungan",
        "visit_line": "Layanan {number}",
        "sms_people": "({count} orang)",
        "offer_link": "Terima atau tolak tawaran ini sebelum {until} di tautan ini; setelah itu tempat diberikan "
        "kepada yang berikutnya:",
    },
    "en": {
        "greeting": "Dear citizen,",
        "code": "Booking code",
        "service": "Service",
        "agency": "Agency",
        "when": "Time",
        "counter": "Counter",
        "place": "Place",
        "reason": "Reason",
        "bring": "What to bring:",
        "show_code": "Show this booking code at the counter.",
        "manage": "To view, reschedule or cancel your booking, open your private link:",
        "details": "See the booking details with your private link:",
        "private": "This link is for you only. Do not share it.",
        "thanks": "Thank you,",
        "sms_reason": "Reason:",
        "ticket": "Queue ticket",
        "follow_ticket": "Follow your turn at:",
        "survey_link": "Answer the satisfaction survey (SKM) at this link, open until {until}:",
        "visit": "Visit",
        "visit_line": "Service {number}",
        "sms_people": "({count} people)",
        "offer_link": "Accept or decline this offer before {until} at this link; after that the place goes to the "
        "next in line:",
    },
}

# Babel patterns: "Kamis, 3 Desember 2026 pukul 08.30" / "Thursday 3 December 2026 at 08:30" (no ISO in a message).
DATE_TIME_PATTERN = {"id": "EEEE, d MMMM y 'pukul' HH.mm", "en": "EEEE d MMMM y 'at' HH:mm"}
TIME_PATTERN = {"id": "HH.mm", "en": "HH:mm"}
