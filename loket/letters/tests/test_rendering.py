"""The PDF: letterhead, identity table, signer, literal values, PDF/A-2b, fonts, logo, the fixed
signature box, reproducible output."""

import io
import re

import pytest
from pypdf import PdfReader

from loket.letters import rendering, services
from loket.letters.factories import SIGNER, SKU_VALUES, png_bytes
from loket.letters.rendering import SIGNATURE_BOX, check_logo, render_pdf
from loket.letters.tests.conftest import one_line, pdf_text

pytestmark = pytest.mark.django_db

# Everything Typst markup or code could start with, typed by a citizen.
MARKUP = r"""#set text(fill: red) #eval("1+1") *tebal* _miring_ $x^2$ <label> @ref \ // komentar /* blok */ `kode` = Judul - butir + angka ~ ' "kutip" ... -- --- [kurung] {kurawal} #{1 + 1} #import "x.typ" #read("/etc/passwd")"""


def issue(template, office, **values):
    return services.issue_letter(
        actor=None,
        template=template,
        office=office,
        values={**SKU_VALUES, **values},
        signer=SIGNER,
        reference="permohonan:PMH-7K3Q-9XTA",
    )


def read(letter) -> bytes:
    with letter.pdf.open("rb") as handle:
        return handle.read()


def test_letterhead_title_number_body_and_signer_are_in_the_pdf(template, office):
    letter = issue(template, office)
    text = pdf_text(read(letter))
    for line in (
        "PEMERINTAH KOTA TANGERANG SELATAN",
        "KECAMATAN CIPUTAT",
        "KELURAHAN CIPUTAT",
        "Jl. Aria Putra No. 12, Ciputat, Kota Tangerang Selatan 15411",
        "Laman: www.tangerangselatankota.go.id",
        "SURAT KETERANGAN USAHA",
        f"Nomor : {letter.number}",
        "Tangerang Selatan, ",
        "LURAH CIPUTAT",
        "Hendra Gunawan, S.Sos.",
        "NIP. 198507142010011002",
        "Tangerang, 17 Agustus 1990",  # ISO dates written in Indonesian
        "Mulai Usaha : 1 Maret 2019",
    ):
        assert line in text, line
    assert re.search(r"Tangerang Selatan, \d{1,2} (Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|"
                     r"September|Oktober|November|Desember) \d{4}", text)  # fmt: skip


def test_typst_markup_in_values_is_printed_literally(template, office):
    letter = issue(template, office, nama_usaha=MARKUP, alamat_usaha="Jl. #Mawar No. 5 \\ RT 01 <b>")
    text = one_line(pdf_text(read(letter)))
    assert one_line(MARKUP) in text
    assert "Jl. #Mawar No. 5 \\ RT 01 <b>" in text
    assert "/etc/passwd" in text and "root:" not in text  # shown as text, never read


def test_markup_in_every_place_a_value_can_go(office, service):
    from loket.letters.factories import sku_template

    template = sku_template(
        service, body="Kalimat dengan {{ nama }} di tengah.\n\nNama : {{ nama }}\n\n{{ nama }}", title="SURAT #UJI *X*"
    )
    signer = services.Signer(name="*Yusrizal* #x", title="Lurah $a$", nip="", on_behalf_line="a.n. @lurah <x>")
    letter = services.issue_letter(
        actor=None, template=template, office=office, values={"nama": "$1+1$ #pagebreak()"}, signer=signer, reference=""
    )
    pdf = read(letter)
    text = pdf_text(pdf)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1  # #pagebreak() did not run
    assert "Kalimat dengan $1+1$ #pagebreak() di tengah." in text
    assert "Nama : $1+1$ #pagebreak()" in text
    assert "SURAT #UJI *X*" in text
    assert "*Yusrizal* #x" in text and "LURAH $A$" in text and "a.n. @lurah <x>" in text


def colon_positions(pdf: bytes, labels: list[str]) -> dict[str, tuple[float, float]]:
    """x of each label and of the ':' on its line."""
    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            runs.append((text.strip(), round(cm[4] + tm[4], 1), round(cm[5] + tm[5], 1)))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    out = {}
    for label in labels:
        x, y = next((x, y) for t, x, y in runs if t == label)
        colon = next(cx for t, cx, cy in runs if t == ":" and cy == y)
        out[label] = (x, colon)
    return out


def test_identity_rows_are_an_aligned_table(template, office):
    letter = issue(template, office)
    labels = ["Nama", "NIK", "Tempat/Tgl. Lahir", "Jenis Kelamin", "Nama Usaha", "Alamat Usaha", "Mulai Usaha"]
    positions = colon_positions(read(letter), labels)
    assert len({x for x, _ in positions.values()}) == 1  # labels start at one x
    assert len({colon for _, colon in positions.values()}) == 1  # colons of both tables in one column
    text = pdf_text(read(letter))
    assert "Nama : Budi Santoso" in text and "NIK : 3674041708900001" in text


def test_the_pdf_is_pdf_a_2b_with_embedded_fonts(template, office):
    pdf = read(issue(template, office))
    reader = PdfReader(io.BytesIO(pdf))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert "<pdfaid:part>2</pdfaid:part>" in xmp
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert "/OutputIntents" in reader.trailer["/Root"]  # the sRGB output intent PDF/A asks for
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                fonts.append(descriptor["/FontName"])
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), descriptor
    assert fonts and all("Libertinus" in str(name) for name in fonts)
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.01)  # A4
    assert reader.pages[0].mediabox.height == pytest.approx(841.89, abs=0.01)


def images_on_first_page(pdf: bytes) -> int:
    resources = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]
    xobjects = resources.get("/XObject", {})
    return sum(1 for x in xobjects.values() if x.get_object()["/Subtype"] == "/Image")


def test_the_logo_is_in_the_letterhead_when_the_office_has_one(template, office, settings_row):
    assert images_on_first_page(read(issue(template, office))) == 0
    services.save_office_settings(
        actor=None,
        office=office,
        settings=services.LetterSettings(
            unit_code=settings_row.unit_code,
            government_line=settings_row.government_line,
            unit_lines=settings_row.unit_lines,
            address_line=settings_row.address_line,
            place_name=settings_row.place_name,
            logo=png_bytes(120, 140),
        ),
    )
    assert images_on_first_page(read(issue(template, office))) == 1


def test_a_logo_must_be_a_real_png_or_jpeg():
    assert check_logo(png_bytes()).extension == "png"
    from loket.core.errors import DomainError

    for content in (b"GIF89a....", b"%PDF-1.7", b"<svg xmlns='http://www.w3.org/2000/svg'/>"):
        with pytest.raises(DomainError) as err:
            check_logo(content)
        assert str(err.value.message) == "Logo harus berupa gambar PNG atau JPEG."
    with pytest.raises(DomainError) as err:
        check_logo(png_bytes()[:40])  # a PNG header with a broken body
    assert "rusak" in str(err.value.message)
    with pytest.raises(DomainError):
        check_logo(b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024))


def test_the_signature_box_is_where_python_says_on_the_last_page(template, office, service):
    from loket.letters.factories import sku_template

    short = issue(template, office)
    long_body = "\n\n".join(["Paragraf panjang {{ nama }} " + "kata " * 120] * 6)
    long = services.issue_letter(
        actor=None,
        template=sku_template(service, office=office, body=long_body),
        office=office,
        values=SKU_VALUES,
        signer=SIGNER,
        reference="",
    )
    for letter in (short, long):
        pages = len(PdfReader(io.BytesIO(read(letter))).pages)
        found = rendering.query_signature_box(letter.document)
        assert found["page"] == pages  # the last page
        x, y_from_top = (float(found[k].removesuffix("pt")) for k in ("x", "y"))
        assert x == pytest.approx(SIGNATURE_BOX.x0, abs=0.05)
        assert rendering.A4_HEIGHT_PT - y_from_top == pytest.approx(SIGNATURE_BOX.y1, abs=0.05)
    assert len(PdfReader(io.BytesIO(read(long))).pages) > 1
    assert SIGNATURE_BOX.page == -1
    assert SIGNATURE_BOX.x1 - SIGNATURE_BOX.x0 == pytest.approx(85 / 25.4 * 72, abs=0.05)
    assert SIGNATURE_BOX.y1 - SIGNATURE_BOX.y0 == pytest.approx(30 / 25.4 * 72, abs=0.05)
    assert SIGNATURE_BOX.as_tuple == (298, 111, 538, 195)


def test_nothing_is_printed_inside_the_signature_box(template, office):
    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            runs.append((cm[4] + tm[4], cm[5] + tm[5]))

    PdfReader(io.BytesIO(read(issue(template, office)))).pages[-1].extract_text(visitor_text=visit)
    box = SIGNATURE_BOX
    assert not [(x, y) for x, y in runs if box.x0 <= x <= box.x1 and box.y0 < y < box.y1 - 12]


def test_the_same_letter_renders_to_the_same_bytes(template, office):
    letter = issue(template, office)
    again = render_pdf(letter.document, logo=None, timestamp=int(letter.created_at.timestamp()))
    assert again == read(letter)
    later = render_pdf(letter.document, logo=None, timestamp=int(letter.created_at.timestamp()) + 60)
    assert later != again  # the timestamp is the letter's own, not the render's
