"""What the staff pages say, Indonesian first: added to the pages' vocabulary (``booking.web.words``)."""

from __future__ import annotations

from booking.messages import Text

STAFF_WORDS: dict[str, Text] = {
    "staff_title": Text("Petugas loket", "Counter staff"),
    "login_title": Text("Masuk petugas", "Staff sign-in"),
    "username": Text("Nama pengguna", "Username"),
    "password": Text("Kata sandi", "Password"),
    "login_button": Text("Masuk", "Sign in"),
    "logout_button": Text("Keluar", "Sign out"),
    "signed_in_as": Text("Masuk sebagai {name}", "Signed in as {name}"),
    "schedule_title": Text("Jadwal {agency}", "Schedule of {agency}"),
    "show_day": Text("Tampilkan", "Show"),
    "day_label": Text("Tanggal", "Date"),
    "agency_label": Text("Instansi", "Agency"),
    "scan_label": Text("Kode pemesanan atau pindai QR", "Booking code or scan the QR code"),
    "scan_hint": Text("Contoh: FBJ5-HX5W", "For example FBJ5-HX5W"),
    "check_in_button": Text("Check-in", "Check in"),
    "serve_button": Text("Selesai dilayani", "Served"),
    "no_show_button": Text("Tidak hadir", "No-show"),
    "walk_in_link": Text("Tambah walk-in", "Add a walk-in"),
    "print_link": Text("Cetak jadwal", "Print the schedule"),
    "col_time": Text("Jam", "Time"),
    "col_code": Text("Kode", "Code"),
    "col_service": Text("Layanan", "Service"),
    "col_citizen": Text("Warga", "Citizen"),
    "col_status": Text("Status", "Status"),
    "col_message": Text("Pesan", "Message"),
    "col_actions": Text("Tindakan", "Actions"),
    "no_bookings": Text("Belum ada pemesanan.", "No bookings yet."),
    "walk_in_mark": Text("walk-in", "walk-in"),
    "done_check_in": Text("{code}: sudah check-in.", "{code}: checked in."),
    "done_serve": Text("{code}: selesai dilayani.", "{code}: served."),
    "done_no_show": Text("{code}: ditandai tidak hadir.", "{code}: marked no-show."),
    "done_walk_in": Text("{code}: walk-in terdaftar dan sudah check-in.", "{code}: walk-in registered and checked in."),
    "walk_in_title": Text("Walk-in: warga tanpa pemesanan", "Walk-in: a citizen without a booking"),
    "walk_in_explained": Text(
        "Warga mendapat tempat di slot yang sedang berjalan atau slot berikutnya hari ini.",
        "The citizen gets a place in the current or the next slot of today.",
    ),
    "service_label": Text("Layanan", "Service"),
    "phone_optional": Text("Nomor HP (boleh kosong)", "Mobile number (optional)"),
    "walk_in_button": Text("Daftarkan walk-in", "Register the walk-in"),
    "back_to_schedule": Text("« Kembali ke jadwal", "« Back to the schedule"),
    "notification_none": Text("—", "—"),
    "notification_pending": Text("menunggu", "pending"),
    "notification_sent": Text("terkirim", "sent"),
    "notification_failed": Text("gagal", "failed"),
    "print_title": Text("Jadwal {agency}, {day}", "Schedule of {agency}, {day}"),
    "booked_by_mark": Text("dibuat oleh {account}", "booked by {account}"),
    "held_until_mark": Text("(menunggu jawaban sampai {until})", "(awaiting an answer until {until})"),
    "assisted_link": Text("Pesan untuk warga", "Book for a citizen"),
    "assisted_title": Text("Pesan untuk warga", "Book for a citizen"),
    "assisted_explained": Text(
        "Untuk warga yang tidak bisa memesan sendiri: pilih layanan, hari dan jam, lalu isi data warga. Aturan "
        "yang sama berlaku seperti pemesanan oleh warga sendiri (satu pemesanan per NIK per layanan per hari).",
        "For a citizen who cannot book alone: choose the service, the day and the time, then fill in the "
        "citizen's details. The same rules hold as when citizens book themselves (one booking per NIK per "
        "service per day).",
    ),
    "show_times": Text("Tampilkan jam", "Show the times"),
    "day_not_open": Text("Tidak ada jam yang bisa dipesan pada hari ini.", "No time can be booked that day."),
    "choose_time": Text("Jam", "Time"),
    "citizen_details": Text("Data warga", "The citizen's details"),
    "assisted_phone_hint": Text(
        'Boleh kosong. Tanpa HP dan email, pilih "Tanpa pesan" dan berikan kode kepada warga.',
        'May be left empty. Without a phone or e-mail, choose "No messages" and give the citizen the code.',
    ),
    "assisted_no_messages": Text(
        "Tanpa pesan: warga mencatat kode pemesanan sendiri", "No messages: the citizen notes the booking code down"
    ),
    "read_notice": Text("Bacakan kepada warga:", "Read this to the citizen:"),
    "assisted_done_title": Text("Pemesanan berhasil", "Booked"),
    "assisted_done_hand_over": Text(
        "Berikan kode dan tautan ini kepada warga (cetak halaman ini atau salin).",
        "Hand this code and link to the citizen (print this page or copy them).",
    ),
    "assisted_done_messages": Text(
        "Konfirmasi dan tautan juga dikirim kepada warga lewat: {channels}.",
        "The confirmation and link are also sent to the citizen by: {channels}.",
    ),
    "assisted_done_no_messages": Text(
        "Tidak ada pesan yang dikirim: warga harus mencatat kode ini.",
        "No message is sent: the citizen must note this code down.",
    ),
    "manage_link_label": Text(
        "Tautan untuk melihat, membatalkan atau mengubah jadwal", "Link to see, cancel or move the booking"
    ),
    "another_assisted": Text("Pesan untuk warga lain", "Book for another citizen"),
}
