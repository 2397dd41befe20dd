"""ESC/POS ticket bytes: decoded command by command, as a thermal printer would read them."""

import datetime
from dataclasses import dataclass, field

import pytest
from django.conf import settings as django_settings
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from loket.queueing.escpos import COLUMNS, QR_MAX_BYTES, render_ticket_escpos, to_printable, wrap_text

ESC, GS, LF = 0x1B, 0x1D, 0x0A


@dataclass
class Printed:
    """What a printer would do with the bytes: text lines (with the size they print at) and commands."""

    lines: list[tuple[str, int, bool]] = field(default_factory=list)  # (text, width multiplier, bold)
    commands: list[str] = field(default_factory=list)
    qr_stored: list[bytes] = field(default_factory=list)
    qr_printed: int = 0

    @property
    def text(self) -> list[str]:
        return [line for line, _, _ in self.lines]


def decode(data: bytes) -> Printed:
    """A small ESC/POS interpreter for the command subset tickets use; fails on anything else."""
    out = Printed()
    width, bold, current = 1, False, bytearray()
    i = 0
    while i < len(data):
        b = data[i]
        if b == LF:
            out.lines.append((current.decode("cp437"), width, bold))
            current = bytearray()
            i += 1
        elif b == ESC:
            cmd = data[i + 1 : i + 2]
            if cmd == b"@":
                out.commands.append("init")
                width, bold = 1, False
                i += 2
            elif cmd in (b"t", b"a", b"E", b"d"):
                n = data[i + 2]
                out.commands.append(f"ESC {cmd.decode()} {n}")
                if cmd == b"E":
                    bold = bool(n & 1)
                i += 3
            else:
                raise AssertionError(f"unknown ESC command {cmd!r} at {i}")
        elif b == GS:
            cmd = data[i + 1 : i + 2]
            if cmd == b"!":
                n = data[i + 2]
                width = (n >> 4) + 1
                out.commands.append(f"GS ! {n}")
                i += 3
            elif cmd == b"V":
                m = data[i + 2]
                assert m in (65, 66), "cut with feed (function B) expected"
                out.commands.append(f"GS V {m} {data[i + 3]}")
                i += 4
            elif cmd == b"(":
                assert data[i + 2 : i + 3] == b"k", "only GS ( k (QR) is used"
                length = data[i + 3] + 256 * data[i + 4]
                body = data[i + 5 : i + 5 + length]
                assert len(body) == length, "GS ( k length runs past the end"
                cn, fn, params = body[0], body[1], body[2:]
                assert cn == 49, "cn must be 49 (QR code)"
                if fn == 80:
                    assert params[:1] == b"0"
                    out.qr_stored.append(bytes(params[1:]))
                elif fn == 81:
                    out.qr_printed += 1
                out.commands.append(f"QR {fn} {bytes(params[:1]).hex() if fn != 80 else 'store'}")
                i += 5 + length
            else:
                raise AssertionError(f"unknown GS command {cmd!r} at {i}")
        else:
            assert b >= 0x20, f"stray control byte {b:#x} at {i}"
            current.append(b)
            i += 1
    assert not current, "text left unprinted after the last line feed"
    return out


def ticket(**overrides):
    values = {
        "office_name": "Disdukcapil Kota Tegal",
        "service_name": "Kartu Tanda Penduduk Elektronik (KTP-el)",
        "code": "A-012",
        "local_date": datetime.date(2026, 11, 23),
        "session_label": "Sesi pagi 08.00-12.00 WIB",
        "qr_payload": "https://loket.example.id/t/Zx81kq0P3mVfY2aL",
        "estimated_time": "09.30 WIB",
    }
    values.update(overrides)
    return render_ticket_escpos(**values)


def test_ticket_starts_with_init_and_ends_with_a_cut():
    data = ticket()
    assert data.startswith(b"\x1b@")
    assert data.endswith(b"\x1dV\x42\x00")
    commands = decode(data).commands
    assert commands[0] == "init"
    assert commands[-1] == "GS V 66 0"
    assert "ESC t 0" in commands  # code page 437 selected before any text


def test_qr_store_length_bytes_count_payload_plus_three():
    payload = "https://loket.example.id/t/Zx81kq0P3mVfY2aL"
    data = ticket(qr_payload=payload)
    store = b"\x1d(k" + bytes([(len(payload) + 3) % 256, (len(payload) + 3) // 256]) + b"1P0" + payload.encode()
    assert store in data
    printed = decode(data)
    assert printed.qr_stored == [payload.encode()]
    assert printed.qr_printed == 1
    qr = [c for c in printed.commands if c.startswith("QR")]
    # model 2, module size, error correction M, store, print - in that order
    assert [c.split()[1] for c in qr] == ["65", "67", "69", "80", "81"]
    assert qr[0] == "QR 65 32"  # model 2 (n1 = 50 = 0x32)
    assert qr[2] == "QR 69 31"  # level M (n = 49 = 0x31)


def test_qr_length_uses_both_length_bytes_for_long_payloads():
    payload = "X" * 600  # 603 = 0x025B: pL 0x5B, pH 0x02
    data = ticket(qr_payload=payload)
    assert b"\x1d(k\x5b\x021P0" + payload.encode() in data
    assert decode(data).qr_stored == [payload.encode()]


def test_qr_payload_too_long_or_empty_is_refused():
    with pytest.raises(ValueError):
        ticket(qr_payload="X" * (QR_MAX_BYTES + 1))
    with pytest.raises(ValueError):
        ticket(qr_payload="")


def test_number_is_centered_bold_and_double_size():
    printed = decode(ticket())
    assert ("A-012", 2, True) in printed.lines
    assert "ESC a 1" in printed.commands
    assert "GS ! 17" in printed.commands  # 0x11: double width and height


@pytest.mark.parametrize("width_mm", [58, 80])
def test_every_line_fits_the_paper(width_mm):
    columns = COLUMNS[width_mm]
    data = ticket(
        width_mm=width_mm,
        office_name="Dinas Kependudukan dan Pencatatan Sipil Kabupaten Kepulauan Seribu Utara Provinsi DKI",
        service_name="Penerbitan Kartu Identitas Anak, Akta Kelahiran dan Kartu Keluarga secara bersamaan",
        code="PRIORITAS-123456789",
    )
    printed = decode(data)
    assert printed.lines
    for text, width, _bold in printed.lines:
        assert len(text) * width <= columns, (text, width)


def test_columns_are_32_on_58mm_and_48_on_80mm():
    assert COLUMNS == {58: 32, 80: 48}
    name = "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Kepulauan Seribu"

    def office_lines(width_mm):
        return [t for t, w, bold in decode(ticket(office_name=name, width_mm=width_mm)).lines if bold and w == 1]

    assert office_lines(58) == [
        "Dinas Kependudukan dan",
        "Pencatatan Sipil Kabupaten",
        "Kepulauan Seribu",
    ]
    assert office_lines(80) == [
        "Dinas Kependudukan dan Pencatatan Sipil",
        "Kabupaten Kepulauan Seribu",
    ]


def test_long_office_name_wraps_onto_several_bold_lines_without_losing_words():
    name = "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Kepulauan Seribu"
    printed = decode(ticket(office_name=name, width_mm=58))
    bold_lines = []
    for text, width, bold in printed.lines:
        if not (bold and width == 1):
            if bold_lines:
                break
            continue
        bold_lines.append(text)
    assert len(bold_lines) == 3
    assert all(len(line) <= 32 for line in bold_lines)
    assert " ".join(bold_lines) == name


def test_unsupported_paper_width_is_refused():
    with pytest.raises(ValueError):
        ticket(width_mm=76)


def test_ticket_text_is_indonesian_by_default():
    with translation.override(django_settings.LANGUAGE_CODE):
        printed = decode(ticket())
    text = "\n".join(printed.text)
    assert "Nomor antrean" in text
    assert "Senin, 23 November 2026" in text
    assert "Perkiraan dilayani: 09.30 WIB" in text


def test_ticket_text_in_english():
    with translation.override("en"):
        text = "\n".join(decode(ticket()).text)
    assert "Queue number" in text
    assert "Monday, 23 November 2026" in text


def test_estimated_time_line_is_optional():
    with translation.override("id"):
        text = "\n".join(decode(ticket(estimated_time="")).text)
    assert "Perkiraan" not in text


def test_date_may_be_given_as_text():
    assert "Senin, 23-11-2026" in decode(ticket(local_date="Senin, 23-11-2026")).text


def test_non_ascii_text_prints_safely():
    data = ticket(
        office_name="Kantor Kécamatan Tegal Timur – Ünit “Pelayanan” …",
        service_name="Layanan 身份证 🙂 Akta\u00a0Kelahiran",
        session_label="Sesi\tpagi\x1b@\x1dV\x00",  # control bytes in user text must not become commands
    )
    printed = decode(data)  # fails on any stray command or control byte
    text = " ".join(printed.text)
    assert 'Kantor Kécamatan Tegal Timur - Ünit "Pelayanan" ...' in text
    assert "Layanan ??? ? Akta Kelahiran" in text
    assert "Sesi pagi @ V" in text
    assert printed.commands.count("init") == 1
    assert sum(c.startswith("GS V") for c in printed.commands) == 1


def test_to_printable_drops_accents_outside_code_page_437():
    assert to_printable("Şekolah Ħ e\u0301") == "Sekolah ? é"
    assert to_printable("a\u200bb") == "a b"


@settings(max_examples=200, deadline=None)
@given(
    office=st.text(max_size=120),
    service=st.text(max_size=120),
    code=st.text(min_size=1, max_size=20),
    session=st.text(max_size=60),
    width_mm=st.sampled_from([58, 80]),
)
def test_any_text_gives_valid_bytes_that_fit(office, service, code, session, width_mm):
    data = ticket(office_name=office, service_name=service, code=code, session_label=session, width_mm=width_mm)
    printed = decode(data)
    for text, width, _bold in printed.lines:
        assert len(text) * width <= COLUMNS[width_mm]
    assert printed.commands[0] == "init" and printed.commands[-1] == "GS V 66 0"


@given(st.text(max_size=200), st.integers(min_value=1, max_value=48))
def test_wrap_text_respects_columns_and_keeps_words(text, columns):
    lines = wrap_text(text, columns)
    assert all(0 < len(line) <= columns for line in lines)
    assert "".join(lines).replace(" ", "") == "".join(to_printable(text).split())
