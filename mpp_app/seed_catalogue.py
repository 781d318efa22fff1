"""The Kupang MPP launch catalogue: 11 agencies and 46 services, seeded once and then edited by staff.

Source: ../shared/DOMAIN-RESEARCH.md section 3 (launch report of 24 Oct 2022 and the service table).
Fees and times marked there as assumptions are starting values for the manager to correct.
"""

LAPOR = "SP4N-LAPOR! (www.lapor.go.id, SMS 1708) atau meja pengaduan MPP"

# (code, name, short name, prefix, legal basis, services)
# service: (name, requirements, fee, processing time, product, expected minutes)
AGENCIES = [
    ("DUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil Kota Kupang", "Dukcapil", "A",
     "UU 24/2013 jo. UU 23/2006 tentang Administrasi Kependudukan; Perpres 96/2018", [
        ("KTP-el baru (pemula 17 tahun / sudah kawin)",
         "Fotokopi dan asli Kartu Keluarga; bila kawin di bawah 17 tahun: fotokopi buku nikah/akta perkawinan",
         "Gratis", "Hari yang sama bila blanko tersedia", "KTP elektronik", 15),
        ("KTP-el penggantian (hilang/rusak/perubahan data)",
         "Hilang: surat kehilangan dari kepolisian dan fotokopi KK. Rusak: KTP-el yang rusak dan KK. "
         "Perubahan data: KK, KTP lama, dokumen pendukung (akta, ijazah, penetapan pengadilan)",
         "Gratis", "Hari yang sama", "KTP elektronik", 15),
        ("Kartu Keluarga baru / perubahan (tambah anggota, pisah KK)",
         "Surat pengantar RT/RW, KK lama, buku nikah/akta perkawinan, surat keterangan pindah datang bila "
         "dari luar daerah, akta kelahiran anggota baru, formulir F-1.01, surat pernyataan pemilik rumah bila menumpang",
         "Gratis", "Paling lama 1 jam", "Kartu Keluarga", 15),
        ("Akta kelahiran",
         "Surat keterangan lahir (RS/bidan/puskesmas), KK orang tua, KTP-el orang tua, buku nikah/akta "
         "perkawinan atau SPTJM, 2 orang saksi",
         "Gratis", "Hari yang sama sampai 3 hari", "Kutipan akta kelahiran", 15),
        ("Akta kematian",
         "Surat keterangan kematian dari RS/puskesmas/lurah (F-2.29), KK, KTP-el almarhum dan pelapor, "
         "2 orang saksi, akta nikah bila sudah kawin",
         "Gratis", "Paling lama 3x24 jam", "Kutipan akta kematian", 15),
        ("Kartu Identitas Anak (KIA)",
         "Fotokopi dan asli kutipan akta kelahiran, KK asli orang tua/wali, KTP-el asli kedua orang tua; "
         "usia 5-17 tahun: pas foto berwarna 2x3 sebanyak 2 lembar",
         "Gratis", "Hari yang sama", "Kartu Identitas Anak", 10),
        ("Surat Keterangan Pindah WNI (SKPWNI, pindah keluar)",
         "KK asli, KTP-el, formulir F-1.03 (alasan dan tujuan pindah)",
         "Gratis", "Hari yang sama", "Surat Keterangan Pindah WNI", 10),
        ("Pindah datang (penerbitan KK/KTP-el di Kota Kupang)",
         "SKPWNI dari daerah asal, KK tujuan bila bergabung, fotokopi akta lahir/ijazah/buku nikah",
         "Gratis", "3 hari kerja", "Kartu Keluarga dan KTP-el baru", 15),
    ]),
    ("BAPENDA", "Badan Pendapatan Daerah Kota Kupang", "Bapenda", "B",
     "UU 1/2022 tentang Hubungan Keuangan Pusat dan Daerah; Perda Kota Kupang tentang Pajak Daerah", [
        ("Pendaftaran objek baru PBB-P2",
         "Fotokopi KTP, KK, NPWP bila ada, SSPD BPHTB, bukti kepemilikan (sertipikat/AJB), PBG bila ada "
         "bangunan, formulir SPOP/LSPOP",
         "Gratis", "Sekitar 5-7 hari kerja (dengan pemeriksaan lapangan)", "SPPT PBB-P2", 15),
        ("Mutasi / balik nama / pembetulan SPPT PBB-P2",
         "Fotokopi sertipikat/AJB, KTP sesuai sertipikat, SPPT induk/asal, formulir SPOP/LSPOP",
         "Gratis", "Sekitar 5 hari kerja", "SPPT PBB-P2 yang diperbarui", 15),
        ("Salinan SPPT / keterangan lunas PBB / informasi tunggakan",
         "Nomor Objek Pajak (NOP), KTP", "Gratis", "Hari yang sama", "Salinan SPPT atau surat keterangan", 8),
        ("Verifikasi/validasi BPHTB",
         "SSPD-BPHTB, akta/draf akta PPAT, sertipikat, KTP, SPPT PBB tahun berjalan",
         "BPHTB 5% x (NPOP - NPOPTKP)", "1-3 hari kerja", "SSPD-BPHTB tervalidasi", 15),
    ]),
    ("BPN", "Kantor Pertanahan Kota Kupang (Kementerian ATR/BPN)", "BPN", "C",
     "UU 5/1960 (UUPA); PP 18/2021; PP 128/2015 tentang PNBP Kementerian ATR/BPN", [
        ("Pengecekan sertipikat (termasuk SKPT)",
         "Sertipikat asli, KTP pemohon, surat kuasa bila dikuasakan",
         "PNBP sekitar Rp50.000", "1 hari kerja", "Sertipikat yang telah dicek / SKPT", 10),
        ("Roya (penghapusan hak tanggungan)",
         "Sertipikat hak atas tanah asli, sertipikat hak tanggungan, surat roya/lunas dari bank, KTP",
         "Rp50.000", "5 hari kerja", "Sertipikat bebas hak tanggungan", 15),
        ("Peralihan hak / balik nama (jual beli, hibah, waris)",
         "Akta PPAT atau dokumen waris, sertipikat asli, KTP/KK para pihak, bukti bayar BPHTB dan PPh, SPPT PBB",
         "PNBP sesuai nilai tanah", "5 hari kerja", "Sertipikat atas nama pemegang baru", 20),
        ("Konsultasi / pendaftaran tanah pertama kali (info PTSL, pengukuran)",
         "KTP, bukti penguasaan/alas hak, SPPT PBB",
         "Sesuai PNBP pengukuran", "Bervariasi", "Informasi / berkas pendaftaran", 20),
    ]),
    ("KPP", "Kantor Pelayanan Pajak Pratama Kupang", "KPP Pratama", "D",
     "UU 6/1983 tentang KUP sebagaimana diubah terakhir dengan UU 7/2021 (HPP); PMK 112/PMK.03/2022", [
        ("Pendaftaran / aktivasi NIK sebagai NPWP (orang pribadi)",
         "KTP-el (NIK), alamat email dan nomor HP aktif", "Gratis",
         "Paling lama 1 hari kerja setelah bukti penerimaan", "NIK aktif sebagai NPWP", 10),
        ("Aktivasi / penggantian EFIN",
         "Formulir aktivasi EFIN yang ditandatangani, KTP asli dan fotokopi, NPWP/SKT, email aktif; "
         "wajib datang sendiri, tidak dapat dikuasakan",
         "Tidak dipungut biaya", "1 hari kerja", "EFIN aktif", 8),
        ("Konsultasi dan asistensi SPT Tahunan / e-Filing",
         "KTP/NIK, EFIN atau akun DJP Online, bukti potong (1721-A1)", "Gratis", "Selesai saat kunjungan",
         "SPT Tahunan terlapor", 15),
        ("Perubahan data wajib pajak / cetak ulang kartu NPWP dan SKT",
         "KTP-el, dokumen pendukung perubahan", "Gratis", "1 hari kerja", "Kartu NPWP / SKT", 10),
    ]),
    ("BPJSKES", "BPJS Kesehatan Cabang Kupang", "BPJS Kesehatan", "E",
     "UU 40/2004 tentang SJSN; UU 24/2011 tentang BPJS; Perpres 82/2018", [
        ("Pendaftaran peserta mandiri (PBPU/BP) dan keluarga",
         "KTP-el, KK, email/nomor HP, rekening untuk autodebet; pilih kelas rawat",
         "Tidak ada biaya layanan; iuran bulanan sesuai kelas", "Kartu aktif setelah iuran pertama dibayar",
         "Kartu JKN-KIS", 12),
        ("Perubahan data / penambahan anggota (bayi baru lahir)",
         "KTP, KK, akta kelahiran atau surat keterangan lahir", "Gratis", "Hari yang sama",
         "Data peserta yang diperbarui", 10),
        ("Pindah FKTP (fasilitas kesehatan tingkat pertama)",
         "Kartu JKN, KTP/KK, bukti domisili bila pindah alamat", "Gratis",
         "Minimal 3 bulan di FKTP lama; berlaku tanggal 1 bulan berikutnya", "FKTP baru", 8),
        ("Info kepesertaan, tunggakan dan reaktivasi / cetak kartu",
         "NIK atau nomor kartu", "Gratis (tunggakan iuran tetap harus dibayar)", "Hari yang sama",
         "Informasi / kartu peserta", 8),
    ]),
    ("BPJSTK", "BPJS Ketenagakerjaan Cabang Kupang", "BPJS Ketenagakerjaan", "F",
     "UU 40/2004 tentang SJSN; UU 24/2011 tentang BPJS; PP 44/2015 dan PP 46/2015", [
        ("Pendaftaran peserta Bukan Penerima Upah (BPU)",
         "KTP-el, nomor HP/email", "Iuran mulai sekitar Rp16.800 per bulan (JKK+JKM)", "Hari yang sama",
         "Kartu peserta BPJS Ketenagakerjaan", 10),
        ("Klaim JHT (berhenti bekerja / usia 56 tahun)",
         "Kartu peserta (KPJ), KTP, KK, paklaring/SK PHK, buku tabungan atas nama peserta, NPWP bila diperlukan",
         "Gratis", "Masa tunggu 1 bulan setelah berhenti bekerja; proses sekitar 5 hari kerja",
         "Pembayaran JHT", 15),
        ("Klaim JKM / JP (ahli waris)",
         "Akta kematian, KPJ, KTP/KK ahli waris, buku tabungan, surat keterangan ahli waris",
         "Gratis", "Sekitar 5 hari kerja", "Pembayaran JKM/JP kepada ahli waris", 20),
        ("Informasi saldo dan perubahan data peserta", "KTP, KPJ", "Gratis", "Hari yang sama",
         "Informasi saldo / data peserta yang diperbarui", 8),
    ]),
    ("PLN", "PT PLN (Persero) UP3 Kupang", "PLN", "G",
     "UU 30/2009 tentang Ketenagalistrikan; Permen ESDM 27/2017", [
        ("Pasang baru (prabayar/pascabayar)",
         "Fotokopi KTP/SIM, denah lokasi, Sertifikat Laik Operasi (SLO)",
         "Biaya penyambungan sesuai Permen ESDM 27/2017, mis. 900 VA Rp843.000, 1.300 VA Rp1.218.000",
         "3-7 hari kerja setelah administrasi lengkap", "Sambungan listrik baru", 15),
        ("Tambah daya / perubahan daya",
         "ID pelanggan, KTP, SLO untuk daya baru", "Biaya penyambungan untuk tambahan VA",
         "3-7 hari kerja", "Daya listrik baru", 12),
        ("Balik nama / perubahan data pelanggan",
         "ID pelanggan, KTP pemilik baru, bukti kepemilikan/sewa", "Gratis", "1-3 hari kerja",
         "Data pelanggan yang diperbarui", 10),
        ("Pengaduan gangguan / tagihan / migrasi prabayar",
         "ID pelanggan, uraian pengaduan", "Gratis (migrasi dapat dikenai biaya)",
         "Sesuai tingkat mutu pelayanan PLN", "Tindak lanjut pengaduan", 10),
    ]),
    ("PDAM", "Perumda Air Minum Kota Kupang", "Perumda Air Minum", "H",
     "Perda Kota Kupang tentang Perusahaan Umum Daerah Air Minum; Permendagri 21/2020", [
        ("Sambungan rumah baru",
         "KTP, KK, denah lokasi, bukti kepemilikan/sewa rumah", "Rp2.500.000 (tarif normal)",
         "Tergantung jaringan; didahului survei", "Sambungan air baru", 15),
        ("Balik nama pelanggan",
         "Rekening air terakhir yang lunas, KTP pemilik baru, bukti kepemilikan", "Biaya administrasi",
         "1-3 hari kerja", "Data pelanggan atas nama baru", 10),
        ("Pengaduan (air tidak mengalir, meter, tagihan) dan pembayaran rekening air",
         "Nomor sambungan", "Gratis", "Sesuai SOP", "Tindak lanjut pengaduan / bukti bayar", 8),
    ]),
    ("BANKNTT", "Bank NTT Cabang Pembantu Walikota", "Bank NTT", "J",
     "UU 10/1998 tentang Perbankan; ketentuan OJK", [
        ("Pembukaan rekening tabungan (kartu ATM, B'Pung Mobile)",
         "KTP-el, NPWP (opsional), setoran awal", "Setoran awal sesuai produk", "Hari yang sama",
         "Buku tabungan dan kartu ATM", 15),
        ("Pembayaran PBB-P2 dan pajak/retribusi daerah Kota Kupang",
         "NOP/SPPT atau kode bayar", "Gratis atau biaya admin", "Seketika", "Bukti pembayaran", 5),
        ("Setor/tarik tunai dan layanan nasabah (call center 14013)",
         "Buku tabungan/kartu, KTP", "Gratis", "Seketika", "Bukti transaksi", 5),
    ]),
    ("KEMENKUM", "Kantor Wilayah Kementerian Hukum NTT dan Kantor Imigrasi Kupang", "Kemenkum/Imigrasi", "K",
     "UU 6/2011 tentang Keimigrasian; UU 20/2016 tentang Merek; UU 28/2014 tentang Hak Cipta; PP 28/2019", [
        ("Paspor biasa (baru/penggantian)",
         "KTP, KK, akta kelahiran/akta perkawinan/buku nikah/ijazah, surat ganti nama bila ada, paspor lama; "
         "daftar melalui aplikasi M-Paspor",
         "Rp350.000 (non-elektronik 48 hlm); Rp650.000 (e-paspor 48 hlm)", "Sekitar 3-4 hari kerja",
         "Paspor RI", 20),
        ("Pendaftaran merek (kekayaan intelektual)",
         "Etiket merek, data pemohon, kelas barang/jasa, surat keterangan UMK untuk tarif UMK",
         "Rp500.000 per kelas (UMK, daring); Rp1.800.000 per kelas (umum, daring)",
         "Sekitar 6 bulan bila tidak ada keberatan; perlindungan 10 tahun", "Sertifikat merek", 20),
        ("Pencatatan hak cipta",
         "KTP, contoh ciptaan, surat pernyataan, data pencipta/pemegang hak",
         "Sekitar Rp200.000 (UMK) / Rp400.000 (umum)", "Cepat (e-Hak Cipta)", "Surat pencatatan ciptaan", 15),
        ("Layanan AHU: konsultasi fidusia, pendirian PT perorangan/yayasan, apostille",
         "Sesuai layanan (KTP, NPWP, dokumen yang dilegalisasi)", "PNBP sesuai PP 28/2019",
         "Sesuai layanan", "Sertifikat / akta / apostille", 15),
    ]),
    ("POS", "PT Pos Indonesia KCU Kupang", "PT Pos", "L",
     "UU 38/2009 tentang Pos", [
        ("Pengiriman surat dan paket (Pos Reguler/Express/Kilat Khusus)",
         "Barang kiriman, alamat pengirim dan penerima", "Tarif sesuai berat, tujuan dan produk",
         "Sesuai standar waktu produk", "Resi pengiriman", 5),
        ("Wesel Pos (kirim / cairkan)", "KTP (fotokopi saat pencairan), kode dan nominal",
         "Biaya sesuai nominal", "Hari yang sama", "Bukti pengiriman / pencairan", 8),
        ("Pembayaran tagihan (listrik, air, BPJS, pajak) / Pospay",
         "ID tagihan / NOP / nomor pelanggan", "Biaya admin per transaksi", "Seketika", "Bukti pembayaran", 5),
        ("Penjualan meterai tempel / e-meterai", "Tidak ada", "Rp10.000 per meterai", "Seketika", "Meterai", 3),
    ]),
]

PROCEDURE = (
    "1. Ambil nomor antrean di meja resepsionis MPP.\n"
    "2. Tunggu nomor Anda dipanggil di layar dan pengeras suara.\n"
    "3. Serahkan persyaratan kepada petugas loket.\n"
    "4. Petugas memeriksa berkas dan memproses layanan.\n"
    "5. Terima produk layanan atau tanda terima, lalu isi survei kepuasan."
)
