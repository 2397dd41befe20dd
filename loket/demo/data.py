"""The demo: real places with their Kemendagri codes, approximate real addresses and coordinates.

Codes and names are those of ``loket/regions/data/wilayah_kemendagri_2025.csv``; a test checks
every code and name below against that file. Opening hours are typical published hours of
such offices, not a statement of any office's current hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from loket.core.policy import Role

# Days as the offices app numbers them (loket.offices.models.Day).
MON, TUE, WED, THU, FRI, SAT, SUN, HOLIDAY = range(8)
WEEKDAYS = (MON, TUE, WED, THU, FRI)

# Region prefixes the demo needs; ``load_demo`` imports at least these.
DEMO_REGION_PREFIXES = ("36.74", "33.76", "32.75", "32.16", "13.71")


@dataclass(frozen=True)
class Session:
    day: int
    opens: time
    closes: time
    label: str = ""


def sessions(days, opens: str, closes: str, label: str = "") -> list[Session]:
    return [Session(d, time.fromisoformat(opens), time.fromisoformat(closes), label) for d in days]


@dataclass(frozen=True)
class DemoOffice:
    slug: str
    name: str
    kind: str
    region: str  # Kemendagri code
    region_name: str  # as in the shipped list, checked by a test
    address: str
    postal_code: str
    latitude: str
    longitude: str
    hours: list[Session]
    counters: tuple[str, ...]
    phone: str = ""
    timezone: str = "Asia/Jakarta"
    closed_on_cuti_bersama: bool = True
    description: str = ""
    extra: dict = field(default_factory=dict)


KECAMATAN_CIPUTAT = DemoOffice(
    slug="kecamatan-ciputat",
    name="Kantor Kecamatan Ciputat",
    kind="kecamatan",
    region="36.74.04",
    region_name="Ciputat",
    address="Jl. Arya Putra No. 1, Serua Indah, Ciputat, Kota Tangerang Selatan",
    postal_code="15414",
    latitude="-6.311900",
    longitude="106.745600",
    hours=sessions(WEEKDAYS, "08:00", "16:00") + sessions([FRI], "19:00", "22:00", "Layanan Jumat malam"),
    counters=("PATEN – Pendaftaran", "PATEN – Adminduk", "PATEN – Perizinan"),
    phone="021-7490000",
    description="PATEN kecamatan dengan layanan Jumat malam 19.00–22.00.",
)

# Kelurahan of Kecamatan Ciputat: (code, name, postal code, latitude, longitude, street).
_CIPUTAT_KELURAHAN = [
    ("36.74.04.1003", "Ciputat", "15411", "-6.309500", "106.752500", "Jl. Aria Putra No. 12"),
    ("36.74.04.1007", "Cipayung", "15411", "-6.322800", "106.754100", "Jl. Cipayung Raya No. 2"),
    ("36.74.04.1004", "Sawah", "15413", "-6.298700", "106.749300", "Jl. Sawah Lama No. 10"),
    ("36.74.04.1001", "Sawah Baru", "15413", "-6.305100", "106.735700", "Jl. Sawah Baru Raya No. 1"),
    ("36.74.04.1002", "Serua", "15414", "-6.325600", "106.739200", "Jl. Serua Raya No. 5"),
    ("36.74.04.1005", "Serua Indah", "15414", "-6.313700", "106.743500", "Jl. Serua Indah No. 3"),
    ("36.74.04.1006", "Jombang", "15414", "-6.294100", "106.721800", "Jl. Jombang Raya No. 8"),
]

CIPUTAT_KELURAHAN = [
    DemoOffice(
        slug=f"kelurahan-{name.lower().replace(' ', '-')}",
        name=f"Kantor Kelurahan {name}",
        kind="kelurahan",
        region=code,
        region_name=name,
        address=f"{street}, {name}, Ciputat, Kota Tangerang Selatan",
        postal_code=postal,
        latitude=lat,
        longitude=lon,
        hours=sessions((MON, TUE, WED, THU), "08:00", "16:00") + sessions([FRI], "08:00", "11:30"),
        counters=("Pelayanan Umum", "Surat Keterangan"),
    )
    for code, name, postal, lat, lon, street in _CIPUTAT_KELURAHAN
]

DISDUKCAPIL_TEGAL = DemoOffice(
    slug="disdukcapil-kota-tegal",
    name="Dinas Kependudukan dan Pencatatan Sipil Kota Tegal",
    kind="disdukcapil",
    region="33.76",
    region_name="Kota Tegal",
    address="Jl. Proklamasi No. 1, Tegalsari, Tegal Barat, Kota Tegal",
    postal_code="52111",
    latitude="-6.862100",
    longitude="109.132400",
    hours=sessions(WEEKDAYS, "08:00", "15:00") + sessions([SAT], "08:00", "12:00"),
    counters=(
        "Informasi dan Pendaftaran",
        "Perekaman KTP-el",
        "Cetak KTP-el dan KIA",
        "Kartu Keluarga",
        "Akta Kelahiran dan Kematian",
        "Pindah Datang",
    ),
    phone="0283-351000",
    closed_on_cuti_bersama=False,
    description="Pelayanan adminduk Kota Tegal, juga buka Sabtu pagi.",
)

# Kecamatan of Kota Bekasi: (code, name, postal code, latitude, longitude, street).
_BEKASI_KECAMATAN = [
    ("32.75.01", "Bekasi Timur", "17111", "-6.244300", "107.015400", "Jl. Ir. H. Juanda No. 100"),
    ("32.75.02", "Bekasi Barat", "17135", "-6.225700", "106.983500", "Jl. Sultan Agung No. 5"),
    ("32.75.03", "Bekasi Utara", "17124", "-6.206300", "107.007800", "Jl. Perjuangan No. 12"),
    ("32.75.04", "Bekasi Selatan", "17141", "-6.247600", "106.992100", "Jl. Jend. Ahmad Yani No. 9"),
    ("32.75.05", "Rawalumbu", "17116", "-6.268100", "107.018300", "Jl. Raya Narogong No. 25"),
    ("32.75.06", "Medansatria", "17132", "-6.196200", "106.979100", "Jl. Kaliabang No. 3"),
    ("32.75.07", "Bantargebang", "17151", "-6.320400", "107.002100", "Jl. Raya Narogong Km. 10"),
    ("32.75.08", "Pondokgede", "17411", "-6.283500", "106.914400", "Jl. Raya Jatiwaringin No. 1"),
    ("32.75.09", "Jatiasih", "17423", "-6.300200", "106.962000", "Jl. Wibawa Mukti II No. 4"),
    ("32.75.10", "Jatisampurna", "17433", "-6.364100", "106.921500", "Jl. Raya Hankam No. 2"),
    ("32.75.11", "Mustikajaya", "17158", "-6.289100", "107.037700", "Jl. Raya Mustikasari No. 6"),
    ("32.75.12", "Pondokmelati", "17414", "-6.301300", "106.926700", "Jl. Raya Jatiwarna No. 15"),
]

BEKASI_KECAMATAN = [
    DemoOffice(
        slug=f"kecamatan-{name.lower().replace(' ', '-')}",
        name=f"Kantor Kecamatan {name}",
        kind="kecamatan",
        region=code,
        region_name=name,
        address=f"{street}, {name}, Kota Bekasi",
        postal_code=postal,
        latitude=lat,
        longitude=lon,
        hours=sessions(WEEKDAYS, "08:00", "21:00") + sessions([SAT], "08:00", "12:00"),
        counters=("Pelayanan Adminduk", "Pelayanan Umum", "Perizinan"),
    )
    for code, name, postal, lat, lon, street in _BEKASI_KECAMATAN
]

KECAMATAN_CIKARANG_UTARA = DemoOffice(
    slug="kecamatan-cikarang-utara",
    name="Kantor Kecamatan Cikarang Utara",
    kind="kecamatan",
    region="32.16.09",
    region_name="Cikarang Utara",
    address="Jl. Kapten Sumantri No. 1, Karangasih, Cikarang Utara, Kabupaten Bekasi",
    postal_code="17530",
    latitude="-6.261400",
    longitude="107.147900",
    hours=(
        sessions(WEEKDAYS, "08:00", "16:00")
        + sessions([SUN], "09:00", "11:00", "MSC 9-11")
        + sessions([HOLIDAY], "09:00", "11:00", "MSC 9-11")
    ),
    counters=("Pelayanan Adminduk", "Pelayanan Umum", "MSC 9-11"),
    # Cuti bersama counts as a holiday here: the weekday service closes and the holiday
    # service (MSC 9-11) runs instead.
    closed_on_cuti_bersama=True,
    description="Layanan Minggu dan hari libur pukul 09.00–11.00 (MSC 9-11).",
)

KELURAHAN_GUNUNG_PANGILUN = DemoOffice(
    slug="kelurahan-gunung-pangilun",
    name="Kantor Kelurahan Gunung Pangilun",
    kind="kelurahan",
    region="13.71.04.1007",
    region_name="Gunung Pangilun",
    address="Jl. Gunung Pangilun No. 21, Padang Utara, Kota Padang",
    postal_code="25137",
    latitude="-0.914300",
    longitude="100.365800",
    hours=sessions((MON, TUE, WED, THU), "07:30", "16:00") + sessions([FRI], "07:30", "16:30"),
    counters=("Pelayanan Umum", "Surat Keterangan"),
)

# BOTRAM: a weekend multi-agency service event in Kabupaten Bekasi. Its dates are chosen
# when the demo is first loaded (the coming weekend) and kept afterwards.
BOTRAM = DemoOffice(
    slug="botram-kabupaten-bekasi",
    name="BOTRAM – Layanan Keliling Kabupaten Bekasi",
    kind="event",
    region="32.16",
    region_name="Kabupaten Bekasi",
    address="Lapangan Sepak Bola Sukamahi, Cikarang Pusat, Kabupaten Bekasi",
    postal_code="17530",
    latitude="-6.362200",
    longitude="107.159000",
    hours=[],
    counters=("Disdukcapil", "Kecamatan", "BPJS", "Samsat"),
    description="Layanan terpadu akhir pekan: KTP-el, KK, akta, dan layanan lain di satu tempat.",
)
BOTRAM_SESSIONS = (("08:00", "14:00"),)

OFFICES = [
    KECAMATAN_CIPUTAT,
    *CIPUTAT_KELURAHAN,
    DISDUKCAPIL_TEGAL,
    *BEKASI_KECAMATAN,
    KECAMATAN_CIKARANG_UTARA,
    KELURAHAN_GUNUNG_PANGILUN,
    BOTRAM,
]


# Kota Bekasi lets citizens take a kecamatan service to any of its 12 kecamatan.
CITIES_WITH_ANY_KECAMATAN = ("32.75",)


@dataclass(frozen=True)
class DemoQueue:
    """A queue (service group) every demo office of one kind gets: its letter, name, the catalogue
    codes it serves (those the office offers), minutes per visitor, and places per session."""

    letter: str
    name: str
    services: tuple[str, ...]
    minutes: int
    online: int
    walkin: int


# Disdukcapil Kota Tegal takes 20 online bookings and 40 walk-ins a day (one session a day).
QUEUES_BY_KIND = {
    "disdukcapil": (
        DemoQueue("A", "KTP-el", ("ADM-KTP-REKAM", "ADM-KTP-CETAK"), 10, 20, 40),
        DemoQueue("B", "KK dan akta", ("ADM-KK", "ADM-AKTA-LAHIR", "ADM-AKTA-MATI"), 15, 20, 40),
    ),
    "kecamatan": (
        DemoQueue("A", "Adminduk", ("ADM-KTP-REKAM", "ADM-KTP-CETAK", "ADM-KK"), 12, 15, 30),
        DemoQueue("B", "Surat kecamatan", ("KEC-AHLI-WARIS",), 15, 10, 20),
    ),
    "kelurahan": (
        DemoQueue(
            "A", "Surat keterangan", ("KEL-PENGANTAR", "KEL-DOMISILI", "KEL-SKU", "KEL-SKTM", "KEL-KEMATIAN"), 8, 10, 20
        ),
    ),
}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str  # a loket.core.policy.Role value, or "citizen"
    office: str = ""  # office slug for office-scoped roles
    region: str = ""  # kabupaten/kota code for city admins
    title: str = ""
    nip: str = ""


# The demo citizen's NIK: Kecamatan Ciputat (36.74.04), born 17-08-1990, male, serial 0001.
DEMO_CITIZEN_NIK = "3674041708900001"

ACCOUNTS = [
    DemoAccount("admin", "Admin Sistem Loket", Role.SYSTEM_ADMIN),
    DemoAccount("admin.tangsel", "Admin Kota Tangerang Selatan", Role.CITY_ADMIN, region="36.74"),
    DemoAccount("admin.ciputat", "Admin Kecamatan Ciputat", Role.OFFICE_ADMIN, office="kecamatan-ciputat"),
    DemoAccount("petugas.ciputat", "Rina Marlina", Role.PETUGAS_LOKET, office="kecamatan-ciputat"),
    DemoAccount("verifikator.ciputat", "Agus Setiawan", Role.VERIFIKATOR, office="kecamatan-ciputat"),
    DemoAccount("lurah.sawah", "Hendra Gunawan", Role.PENANDATANGAN, office="kelurahan-sawah", title="Lurah Sawah"),
    DemoAccount(
        "camat.ciputat",
        "Drs. Bambang Sutrisno",
        Role.PENANDATANGAN,
        office="kecamatan-ciputat",
        title="Camat Ciputat",
    ),
    DemoAccount("petugas.tegal", "Siti Nurhaliza", Role.PETUGAS_LOKET, office="disdukcapil-kota-tegal"),
    DemoAccount("verifikator.gunungpangilun", "Rahmi Yanti", Role.VERIFIKATOR, office="kelurahan-gunung-pangilun"),
    DemoAccount("verifikator.sawah", "Dewi Lestari", Role.VERIFIKATOR, office="kelurahan-sawah"),
    DemoAccount("kiosk.tegal", "Kiosk Antrean Disdukcapil Tegal", Role.KIOSK, office="disdukcapil-kota-tegal"),
    DemoAccount(
        "lurah.gunungpangilun",
        "Yusrizal",
        Role.PENANDATANGAN,
        office="kelurahan-gunung-pangilun",
        title="Lurah Gunung Pangilun",
    ),
    DemoAccount(DEMO_CITIZEN_NIK, "Budi Santoso", "citizen"),
]
