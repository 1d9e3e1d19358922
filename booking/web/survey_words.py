"""What the survey's page and the SKM report's page say, Indonesian and English (the elements' own wording
is the regulation's, in ``booking.survey``)."""

from __future__ import annotations

from booking.messages import Text

SURVEY_WORDS: dict[str, Text] = {
    "survey_title": Text("Survei Kepuasan Masyarakat", "Citizen satisfaction survey"),
    "survey_intro": Text(
        "Bagaimana pelayanan {service} oleh {agency} pada {day}? Jawab sembilan pertanyaan berikut, satu jawaban "
        "untuk masing-masing. Survei ini tanpa nama.",
        "How was the {service} service of {agency} on {day}? Answer the nine questions below, one answer each. "
        "The survey is anonymous.",
    ),
    "survey_until": Text("Tautan ini berlaku sampai {day}.", "This link works until {day}."),
    "survey_question": Text("Unsur {n} dari 9: {name}", "Element {n} of 9: {name}"),
    "survey_comment": Text("Saran atau komentar (tidak wajib)", "Suggestions or comments (optional)"),
    "survey_comment_hint": Text("Paling banyak 1000 karakter.", "At most 1000 characters."),
    "survey_submit": Text("Kirim jawaban", "Send my answers"),
    "survey_fix": Text("Periksa jawaban yang ditandai di bawah.", "Please check the answers marked below."),
    "survey_thanks": Text("Terima kasih. Jawaban Anda sudah kami terima.", "Thank you. We have received your answers."),
    "survey_already": Text(
        "Terima kasih. Survei ini sudah dijawab sebelumnya; jawaban itu yang tercatat dan tidak diubah.",
        "Thank you. This survey was answered before; that answer is the one recorded, and it was not changed.",
    ),
    "survey_not_found": Text(
        "Survei tidak ditemukan. Periksa kembali tautan dari pesan Anda.",
        "Survey not found. Check the link in your message.",
    ),
    "ticket_survey": Text(
        "Sudah selesai dilayani. Bantu kami menjadi lebih baik: isi survei kepuasan singkat (sembilan pertanyaan).",
        "You have been served. Help us improve: answer a short satisfaction survey (nine questions).",
    ),
    "ticket_survey_link": Text("Isi survei kepuasan", "Answer the satisfaction survey"),
    "ticket_survey_qr": Text(
        "Kode QR survei kepuasan untuk {ticket}", "QR code of the satisfaction survey for {ticket}"
    ),
    # the SKM report
    "skm_title": Text("Laporan Survei Kepuasan Masyarakat (SKM)", "Citizen Satisfaction Survey (SKM) report"),
    "skm_basis": Text(
        "Menurut Peraturan Menteri PANRB Nomor 14 Tahun 2017.", "Following PermenPANRB regulation 14/2017."
    ),
    "skm_period": Text("Periode: {first} sampai {last}", "Period: {first} to {last}"),
    "skm_from": Text("Dari tanggal", "From"),
    "skm_to": Text("Sampai tanggal", "To"),
    "skm_agency": Text("Instansi", "Agency"),
    "skm_all_agencies": Text("Semua instansi", "All agencies"),
    "skm_show": Text("Tampilkan", "Show"),
    "skm_print_hint": Text(
        "Cetak halaman ini dengan menu cetak peramban (Ctrl+P).", "Print this page from the browser's menu (Ctrl+P)."
    ),
    "skm_respondents": Text("Jumlah responden", "Respondents"),
    "skm_no_answers": Text("Belum ada jawaban survei pada periode ini.", "No survey answers in this period."),
    "skm_col_no": Text("No.", "No."),
    "skm_col_element": Text("Unsur pelayanan", "Service element"),
    "skm_col_nrr": Text("NRR per unsur", "Mean (NRR)"),
    "skm_col_weighted": Text("NRR tertimbang (× 1/9)", "Weighted NRR (× 1/9)"),
    "skm_index": Text("IKM (jumlah NRR tertimbang)", "IKM (sum of weighted NRR)"),
    "skm_score": Text("Nilai IKM konversi (IKM × 25)", "Converted IKM (IKM × 25)"),
    "skm_grade": Text("Mutu pelayanan", "Quality of service"),
    "skm_weight_note": Text(
        "Bobot tiap unsur tepat 1/9 (peraturan menuliskannya 0,111, yang memberi nilai sedikit lebih rendah). "
        "Mutu: 88,31–100,00 A (sangat baik); 76,61–88,30 B (baik); 65,00–76,60 C (kurang baik); "
        "25,00–64,99 D (tidak baik).",
        "Each element weighs exactly 1/9 (the regulation writes 0.111, which gives a slightly lower figure). "
        "Quality: 88.31-100.00 A (very good); 76.61-88.30 B (good); 65.00-76.60 C (not quite good); "
        "25.00-64.99 D (not good).",
    ),
    "skm_by_agency": Text("Per instansi", "By agency"),
    "skm_comments": Text("Saran dan komentar", "Suggestions and comments"),
    "skm_no_comments": Text("Tidak ada komentar.", "No comments."),
}
