"""What the report pages say, Indonesian first: added to the pages' vocabulary (``booking.web.words``)."""

from __future__ import annotations

from booking.messages import Text

REPORT_WORDS: dict[str, Text] = {
    "reports_link": Text("Laporan", "Reports"),
    "report_title": Text("Laporan harian", "Daily report"),
    "report_of": Text("{what}, {first} s.d. {last}", "{what}, {first} to {last}"),
    "report_nav": Text("Laporan", "Reports"),
    "report_nav_daily": Text("Laporan harian", "Daily report"),
    "report_nav_skm": Text("Survei kepuasan (SKM)", "Satisfaction survey (SKM)"),
    "report_nav_schedule": Text("Jadwal hari ini", "Today's schedule"),
    "report_from": Text("Dari tanggal", "From"),
    "report_to": Text("Sampai tanggal", "To"),
    "report_range_hint": Text("Paling lama satu tahun (366 hari).", "At most a year (366 days)."),
    "report_all_agencies": Text("Semua instansi", "All agencies"),
    "report_show": Text("Tampilkan", "Show"),
    "report_download_csv": Text("Unduh CSV", "Download CSV"),
    "report_download_xlsx": Text("Unduh Excel (XLSX)", "Download Excel (XLSX)"),
    "report_files_hint": Text("Satu baris per instansi per hari.", "One line per agency and day."),
    "report_day": Text("Tanggal", "Date"),
    "report_booked": Text("Pesan online", "Booked online"),
    "report_walk_ins": Text("Datang langsung", "Walk-ins"),
    "report_served": Text("Dilayani", "Served"),
    "report_no_show": Text("Tidak hadir", "No-show"),
    "report_cancelled": Text("Batal", "Cancelled"),
    "report_wait": Text("Waktu tunggu (menit)", "Waiting (minutes)"),
    "report_service": Text("Waktu layanan (menit)", "Service (minutes)"),
    "report_median": Text("median", "median"),
    "report_p90": Text("p90", "p90"),
    "report_online_share": Text("Porsi online", "Online share"),
    "report_busiest": Text("Jam tersibuk", "Busiest hours"),
    "report_closed": Text("Tutup", "Closed"),
    "report_none": Text("–", "–"),
    "report_definitions": Text(
        "Waktu tunggu: dari ambil nomor antrian sampai dipanggil pertama kali. Waktu layanan: dari mulai "
        "dilayani sampai selesai. Median dan p90 dihitung dengan interpolasi linear antar peringkat "
        "(sama dengan PERCENTILE.INC di spreadsheet). Porsi online: pesan online dibagi pesan online "
        "ditambah datang langsung. Jam menurut zona waktu {zone}.",
        "Waiting: from taking a queue ticket to the first call. Service: from the start of service to done. "
        "Median and p90 interpolate linearly between ranks (as PERCENTILE.INC in a spreadsheet). Online "
        "share: booked online over booked online plus walk-ins. Hours in the {zone} time zone.",
    ),
    "chart_served_title": Text("Dilayani per hari", "Served per day"),
    "chart_served_description": Text(
        "Jumlah warga dilayani setiap hari; hari tutup ditandai tanpa batang.",
        "Citizens served each day; closed days are marked without a bar.",
    ),
    "chart_served_bar": Text("{day}: {count} dilayani", "{day}: {count} served"),
    "chart_served_closed": Text("{day}: tutup", "{day}: closed"),
    "chart_wait_title": Text("Median waktu tunggu menurut jam kedatangan", "Median wait by hour of arrival"),
    "chart_wait_description": Text(
        "Median menit menunggu bagi warga yang datang pada jam itu, selama seluruh rentang.",
        "Median minutes waited by citizens arriving in that hour, over the whole range.",
    ),
    "chart_wait_bar": Text(
        "Pukul {hour}: median {median} menit, p90 {p90} menit", "{hour}:00: median {median} min, p90 {p90} min"
    ),
    "chart_no_data": Text("Belum ada data untuk rentang ini.", "No data for this range yet."),
}
