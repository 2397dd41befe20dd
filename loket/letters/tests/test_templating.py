"""The template language: placeholders only, validated with Indonesian messages; paragraphs and
identity tables read from the template alone; values inserted as plain text."""

import pytest

from loket.core.errors import DomainError
from loket.letters.templating import (
    STANDARD_PLACEHOLDERS,
    Paragraph,
    Slot,
    Table,
    Text,
    clean_value,
    fill,
    parse,
    placeholders_in,
    validate_body,
    validate_classification_code,
    validate_title,
)

ALLOWED = [*STANDARD_PLACEHOLDERS, "nama_usaha"]


def refused(body: str) -> str:
    with pytest.raises(DomainError) as err:
        validate_body(body, ALLOWED)
    return str(err.value.message)


def test_the_standard_placeholders_are_documented():
    assert list(STANDARD_PLACEHOLDERS) == [
        "nama", "nik", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "agama", "pekerjaan", "alamat",
        "kode_permohonan", "tanggal_permohonan", "kelurahan", "kecamatan", "kota", "keperluan",
    ]  # fmt: skip
    assert all(STANDARD_PLACEHOLDERS.values())


def test_placeholders_with_or_without_spaces():
    body = validate_body("Nama: {{nama}} / {{ nik }} / {{   nama_usaha   }}", ALLOWED)
    assert placeholders_in(body) == ["nama", "nik", "nama_usaha"]


def test_an_unknown_placeholder_is_named_with_the_allowed_ones_in_indonesian():
    message = refused("Yang bertanda tangan di bawah ini.\n\nNama : {{ nama_lengkap }}")
    assert "Penanda isian {{ nama_lengkap }} pada baris 3 tidak dikenal." in message
    assert "Yang boleh dipakai: nama, nik, tempat_lahir" in message
    assert message.endswith("keperluan, nama_usaha.")


@pytest.mark.parametrize(
    "body",
    [
        "Nama : {{ nama }",
        "Nama : { nama }}",
        "Nama : {{ nama }}}",
        "Nama : {nama}",
        "Nama : }} {{",
        "Nama : {{ nama",
    ],
)
def test_unbalanced_braces_are_refused(body):
    assert "kurung kurawal yang tidak berpasangan" in refused(body)


@pytest.mark.parametrize("body", ["{{ Nama }}", "{{ nama usaha }}", "{{ 1nama }}", "{{ }}", "{{ nama|upper }}"])
def test_anything_but_a_key_inside_braces_is_refused(body):
    message = refused(body)
    assert "bukan penanda isian" in message and "Yang boleh dipakai:" in message


@pytest.mark.parametrize(
    "body",
    ["{% if nama %}x{% endif %}", "{{ nama.__class__ }}", "{{ nama() }}", "{# komentar #}"],
)
def test_no_tags_filters_or_expressions(body):
    with pytest.raises(DomainError):
        validate_body(body, ALLOWED)


def test_empty_title_and_body_are_refused():
    with pytest.raises(DomainError) as err:
        validate_body("  \n\n  ", ALLOWED)
    assert str(err.value.message) == "Isi teks surat."
    with pytest.raises(DomainError) as err:
        validate_title("   ")
    assert "Isi judul surat" in str(err.value.message)
    with pytest.raises(DomainError):
        validate_title("SURAT {{ nama }}")
    assert validate_title("  SURAT   KETERANGAN  USAHA ") == "SURAT KETERANGAN USAHA"


@pytest.mark.parametrize("code", ["470", "500.16", "472.12", "400.10.2.2", " 593 "])
def test_classification_codes(code):
    assert validate_classification_code(code) == code.strip()


@pytest.mark.parametrize("code", ["", "47O", "470/", "500.", ".470", "470 12", "abc", "470.16.a"])
def test_bad_classification_codes_are_refused(code):
    with pytest.raises(DomainError) as err:
        validate_classification_code(code)
    assert "bukan kode klasifikasi: gunakan angka dan titik, misalnya 470 atau 500.16." in str(err.value.message)


BODY = """Yang bertanda tangan di bawah ini menerangkan bahwa:

Nama          : {{ nama }}
NIK : {{ nik }}
Tempat/Tgl. Lahir: {{ tempat_lahir }}, {{ tanggal_lahir }}

adalah benar warga kami,
yang berusaha {{ nama_usaha }}.
Pukul 10:30 tanpa isian tetap kalimat biasa.
Keperluan : {{ keperluan }}

Demikian."""


def test_blank_lines_separate_paragraphs_and_label_lines_make_one_table():
    blocks = parse(validate_body(BODY, ALLOWED))
    assert [type(b) for b in blocks] == [Paragraph, Table, Paragraph, Table, Paragraph]
    assert blocks[0] == Paragraph(((Text("Yang bertanda tangan di bawah ini menerangkan bahwa:"),),))
    assert [label for label, _ in blocks[1].rows] == ["Nama", "NIK", "Tempat/Tgl. Lahir"]
    assert blocks[1].rows[2][1] == (Slot("tempat_lahir"), Text(", "), Slot("tanggal_lahir"))
    assert len(blocks[2].lines) == 3  # single line breaks are kept; a colon without a placeholder is text
    assert blocks[3].rows == (("Keperluan", (Slot("keperluan"),)),)


def test_values_are_plain_text_and_cannot_add_structure():
    blocks = parse(validate_body(BODY, ALLOWED))
    filled = fill(
        blocks,
        {
            "nama": "Budi\n\nNIK : palsu",
            "nik": "{{ nik }}",
            "nama_usaha": "#set text(red)",
            "tempat_lahir": "Padang",
            "tanggal_lahir": "17 Agustus 1990",
            "keperluan": "KUR",
        },
    )
    assert filled[1] == {
        "kind": "table",
        "rows": [
            ["Nama", "Budi\n\nNIK : palsu"],
            ["NIK", "{{ nik }}"],
            ["Tempat/Tgl. Lahir", "Padang, 17 Agustus 1990"],
        ],
    }
    assert filled[2]["lines"][1] == "yang berusaha #set text(red)."
    assert len(filled) == 5


def test_a_missing_value_shows_the_missing_mark():
    blocks = parse(validate_body("Nama : {{ nama }}", ALLOWED))
    assert fill(blocks, {})[0]["rows"] == [["Nama", "-"]]
    assert fill(blocks, {}, missing="[{key}]")[0]["rows"] == [["Nama", "[nama]"]]


def test_values_are_cleaned_of_control_characters():
    assert clean_value("  Budi\r\nSantoso\t \x00\x1b[31m ") == "Budi\nSantoso  [31m"
    assert clean_value(12) == "12"
