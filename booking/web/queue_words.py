"""What the queue's pages say (the kiosk, the ticket's page, the clerk's queue), Indonesian first: added to
the pages' vocabulary (``booking.web.words``). Refusals keep the API's own wording (``booking.messages``)."""

from __future__ import annotations

from booking.messages import Text

QUEUE_WORDS: dict[str, Text] = {
    # the kiosk at the entrance
    "kiosk_title": Text("Ambil nomor antrian", "Take a queue number"),
    "kiosk_booked": Text("Sudah pesan online?", "Booked online?"),
    "kiosk_code_label": Text(
        "Ketik kode pemesanan atau pindai kode QR-nya", "Type your booking code or scan its QR code"
    ),
    "kiosk_code_hint": Text("Contoh: FBJ5-HX5W", "For example FBJ5-HX5W"),
    "kiosk_code_button": Text("Ambil nomor", "Get my number"),
    "kiosk_code_unknown": Text(
        "Kode pemesanan “{code}” tidak ditemukan di MPP ini. Periksa kembali kodenya di pesan Anda, atau minta "
        "bantuan petugas.",
        "No booking with the code “{code}” at this site. Check the code in your messages, or ask a member of staff.",
    ),
    "kiosk_walk_in": Text("Tanpa pemesanan? Pilih instansi", "No booking? Choose an agency"),
    "kiosk_choose_service": Text("Pilih layanan", "Choose a service"),
    "kiosk_take": Text("Ambil nomor antrian", "Take a queue number"),
    "kiosk_priority": Text(
        "Kelompok prioritas dilayani lebih dulu (UU 25/2009 Pasal 29):",
        "Priority groups are served first (Law 25/2009, Article 29):",
    ),
    "kiosk_priority_take": Text("Prioritas: {group}", "Priority: {group}"),
    "kiosk_back": Text("« Kembali", "« Back"),
    "kiosk_start_over": Text("Selesai", "Done"),
    "kiosk_no_services": Text("Instansi ini belum membuka layanan.", "This agency offers no service yet."),
    "kiosk_walk_ins_next": Text(
        "Waktu terdekat yang bisa dipesan online: {when}.", "The next time you can book online: {when}."
    ),
    "kiosk_walk_ins_none": Text(
        "Belum ada waktu kosong untuk dipesan online dalam {days} hari ke depan.",
        "No free time can be booked online in the next {days} days.",
    ),
    "kiosk_book_link": Text("Pesan waktu ini di ponsel Anda", "Book this time on your phone"),
    "kiosk_book_qr": Text("Kode QR untuk memesan {service}", "QR code to book {service}"),
    "kiosk_offline": Text(
        "Koneksi ke server terputus, jadi nomor antrian tidak dapat ditampilkan. Tekan tombolnya lagi setelah "
        "jaringan kembali: Anda tidak akan mendapat nomor ganda. Atau minta bantuan petugas.",
        "The connection to the server is lost, so no queue number can be shown. Press the button again once "
        "the network is back: you will not get a second number. Or ask a member of staff.",
    ),
    "kiosk_sending": Text("Sedang membuat nomor antrian…", "Making your queue number…"),
    "kiosk_again": Text(
        "Kode ini sudah mendapat nomor antrian. Ini nomor Anda.",
        "This code already has a queue number. This is yours.",
    ),
    "kiosk_print": Text("Cetak nomor", "Print the number"),
    "kiosk_follow": Text(
        "Pindai kode QR untuk memantau antrian di ponsel Anda.", "Scan the QR code to follow your turn on your phone."
    ),
    # the ticket, wherever it is shown
    "ticket_title": Text("Nomor antrian {ticket}", "Queue number {ticket}"),
    "ticket_label": Text("Nomor antrian", "Queue number"),
    "ticket_qr": Text("Kode QR halaman nomor antrian {ticket}", "QR code of the page of queue number {ticket}"),
    "ticket_status": Text("Status", "Status"),
    "ticket_waiting": Text("Menunggu dipanggil", "Waiting to be called"),
    "ticket_called": Text("Dipanggil ke {counter}: silakan menuju loket", "Called to {counter}: please go there now"),
    "ticket_serving": Text("Sedang dilayani di {counter}", "Being served at {counter}"),
    "ticket_done": Text("Selesai dilayani. Terima kasih.", "Served. Thank you."),
    "ticket_missed": Text(
        "Terlewat: Anda tidak ada saat dipanggil. Lapor ke petugas loket untuk kembali ke antrian (satu kali).",
        "Missed: you were not there when called. Tell the counter's staff to go back in the queue (once).",
    ),
    "ticket_ahead": Text("Di depan Anda", "Ahead of you"),
    "ticket_ahead_count": Text("{count} orang", "{count} people"),
    "ticket_next": Text("Anda berikutnya", "You are next"),
    "ticket_wait": Text("Perkiraan tunggu", "Estimated wait"),
    "ticket_wait_minutes": Text("± {minutes} menit", "about {minutes} minutes"),
    "ticket_wait_soon": Text("sebentar lagi", "any moment now"),
    "ticket_booked_at": Text("Pemesanan pukul {time}", "Booked for {time}"),
    "ticket_walk_in": Text("Tanpa pemesanan", "Without a booking"),
    "ticket_late": Text(
        "Anda datang lewat dari waktu pemesanan, jadi mengantre bersama pengunjung tanpa pemesanan.",
        "You came after your booked time, so you queue with the visitors without a booking.",
    ),
    "ticket_kind": Text("Jenis", "Kind"),
    "ticket_priority": Text("Prioritas", "Priority"),
    "ticket_taken": Text("Diambil", "Taken"),
    "ticket_refreshes": Text(
        "Halaman ini diperbarui sendiri setiap {seconds} detik.", "This page updates itself every {seconds} seconds."
    ),
    "ticket_refresh_stop": Text("Hentikan pembaruan otomatis", "Stop the automatic updates"),
    "ticket_refresh_off": Text("Pembaruan otomatis dimatikan.", "Automatic updates are off."),
    "ticket_refresh_now": Text("Perbarui sekarang", "Update now"),
    "ticket_refresh_on": Text("Nyalakan pembaruan otomatis", "Turn automatic updates on"),
    "ticket_keep": Text(
        "Simpan nomor ini. Dengarkan panggilan dan lihat layar antrian.",
        "Keep this number. Listen for the call and watch the queue screen.",
    ),
    "priority_elderly": Text("Lansia", "Elderly"),
    "priority_disabled": Text("Penyandang disabilitas", "With a disability"),
    "priority_pregnant": Text("Ibu hamil", "Pregnant"),
    "priority_with_children": Text("Membawa anak kecil", "With small children"),
    # the clerk's queue under /staff
    "queue_link": Text("Antrian loket", "Counter queue"),
    "queue_title": Text("Antrian {agency}", "Queue of {agency}"),
    "queue_counter_label": Text("Loket Anda", "Your counter"),
    "queue_counter_choose": Text("Pilih loket", "Choose the counter"),
    "queue_counter_pick": Text("Pilih loket Anda untuk mulai memanggil.", "Choose your counter to start calling."),
    "queue_no_counters": Text("Instansi ini belum punya loket.", "This agency has no counter yet."),
    "queue_now": Text("Sekarang di {counter}", "Now at {counter}"),
    "queue_free": Text("Loket kosong: panggil warga berikutnya.", "The counter is free: call the next citizen."),
    "queue_call_next": Text("Panggil berikutnya", "Call next"),
    "queue_recall": Text("Panggil ulang", "Call again"),
    "queue_start": Text("Mulai layani", "Start serving"),
    "queue_done": Text("Selesai", "Done"),
    "queue_missed": Text("Tidak hadir", "Missed"),
    "queue_comeback": Text("Kembali", "Back in the queue"),
    "queue_transfer": Text("Alihkan", "Transfer"),
    "queue_transfer_to": Text("Alihkan ke layanan", "Transfer to the service"),
    "queue_transfer_choose": Text("— pilih layanan —", "— choose a service —"),
    "desk_called": Text("Dipanggil: menunggu warga datang", "Called: waiting for the citizen"),
    "desk_serving": Text("Sedang dilayani", "Being served"),
    "queue_recalls": Text("Dipanggil ulang {count}×", "Called again {count}×"),
    "queue_missed_after": Text(
        "“Tidak hadir” bisa dipilih setelah {count}× panggil ulang.", "“Missed” is offered after {count} recalls."
    ),
    "queue_waiting": Text("Menunggu ({count})", "Waiting ({count})"),
    "queue_refresh": Text("Perbarui daftar", "Update the list"),
    "queue_nobody": Text("Tidak ada yang menunggu.", "Nobody is waiting."),
    "queue_next_here": Text("berikutnya di loket ini", "next at this counter"),
    "queue_missed_list": Text("Terlewat hari ini", "Missed today"),
    "queue_counters": Text("Loket lain", "Other counters"),
    "queue_counter_free": Text("kosong", "free"),
    "queue_issue": Text("Buat nomor antrian", "Issue a queue number"),
    "queue_issue_code": Text("Kode pemesanan", "Booking code"),
    "queue_issue_code_button": Text("Buat nomor untuk kode ini", "Issue a number for this code"),
    "queue_issue_walk_in": Text("Tanpa pemesanan: layanan", "Without a booking: service"),
    "queue_issue_priority": Text("Kelompok prioritas", "Priority group"),
    "queue_issue_no_priority": Text("Tidak ada", "None"),
    "queue_issue_walk_in_button": Text("Buat nomor walk-in", "Issue a walk-in number"),
    "col_ticket": Text("Nomor", "Number"),
    "col_position": Text("Urutan", "Position"),
    "col_kind": Text("Jenis", "Kind"),
    "col_counter": Text("Loket", "Counter"),
    "done_call": Text("{ticket} dipanggil ke {counter}.", "{ticket} is called to {counter}."),
    "done_recall": Text("{ticket} dipanggil ulang.", "{ticket} is called again."),
    "done_start": Text("{ticket}: mulai dilayani.", "{ticket}: being served."),
    "done_done": Text("{ticket}: selesai.", "{ticket}: done."),
    "done_missed": Text("{ticket}: ditandai tidak hadir.", "{ticket}: marked missed."),
    "done_comeback": Text("{ticket} kembali ke antrian.", "{ticket} is back in the queue."),
    "done_transfer": Text("{ticket} dialihkan ke {service}.", "{ticket} is transferred to {service}."),
    "done_issued": Text("Nomor antrian {ticket} dibuat.", "Queue number {ticket} is issued."),
    "done_issued_again": Text(
        "Kode ini sudah punya nomor antrian {ticket}.", "This code already has queue number {ticket}."
    ),
    "done_issued_twice": Text(
        "Formulir ini sudah dikirim tadi: nomor antriannya {ticket}.",
        "This form was sent before: its number is {ticket}.",
    ),
    "queue_print_ticket": Text("Lihat dan cetak nomor {ticket}", "See and print number {ticket}"),
    "schedule_link": Text("Jadwal hari ini", "Today's schedule"),
}
