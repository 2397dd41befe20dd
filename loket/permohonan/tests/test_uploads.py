"""Uploads are judged by their bytes: PDF, JPEG, PNG only; images re-encoded without metadata;
PDFs must open, unlocked, without scripts; a clear Indonesian message for everything refused."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript

from loket.core.errors import DomainError
from loket.permohonan.uploads import JPEG, PDF, PNG, check_upload


def upload(content: bytes, name="berkas.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def jpeg_with_gps(size=(400, 300), orientation=None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "KameraHP"  # Make
    exif[0x0131] = "Aplikasi Kamera 1.0"  # Software
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def pdf(pages=1, js=False, password=None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if js:
        writer.add_open_action(JavaScript("app.alert('hai');"))
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def refused(content, **kw) -> DomainError:
    with pytest.raises(DomainError) as err:
        check_upload(upload(content, **kw))
    return err.value


def test_a_pdf_is_kept_as_it_is():
    data = pdf(pages=2)
    checked = check_upload(upload(data))
    assert checked.content == data and checked.content_type == PDF and checked.extension == "pdf"
    assert len(checked.sha256) == 64


def test_a_photo_is_reencoded_without_metadata_and_upright():
    checked = check_upload(upload(jpeg_with_gps(orientation=6), name="ktp.pdf", content_type="application/pdf"))
    assert checked.content_type == JPEG  # decided by the bytes, not the name or declared type
    with Image.open(io.BytesIO(checked.content)) as image:
        assert not image.getexif()  # no GPS, no camera
        assert image.size == (300, 400)  # rotated by its EXIF orientation
    assert b"KameraHP" not in checked.content and b"Aplikasi Kamera" not in checked.content


def test_a_large_photo_is_scaled_down():
    image = Image.new("RGB", (5000, 3000), (0, 90, 200))
    out = io.BytesIO()
    image.save(out, format="PNG")
    checked = check_upload(upload(out.getvalue(), name="kk.png", content_type="image/png"))
    assert checked.content_type == PNG
    with Image.open(io.BytesIO(checked.content)) as small:
        assert max(small.size) == 2400


def test_other_types_are_refused_whatever_their_name():
    error = refused(b"MZ\x90\x00 this is a program", name="ktp.pdf")
    assert error.code == "bad_type" and "bukan PDF, JPEG, atau PNG" in str(error.message)
    assert refused(b"GIF89a....", name="foto.jpg", content_type="image/jpeg").code == "bad_type"


def test_a_broken_pdf_or_image_is_refused():
    assert refused(b"%PDF-1.7\n this is not really a pdf").code == "pdf_broken"
    assert refused(b"\xff\xd8\xff\xe0 truncated jpeg", name="a.jpg").code == "bad_image"


def test_pdf_with_script_or_password_is_refused():
    assert refused(pdf(js=True)).code == "pdf_active"
    error = refused(pdf(password="rahasia"))
    assert error.code == "pdf_encrypted" and "kata sandi" in str(error.message)


def test_empty_and_oversized_files_are_refused(settings):
    assert refused(b"").code == "empty"
    settings.PERMOHONAN_MAX_UPLOAD_BYTES = 1024 * 1024
    error = refused(b"%PDF-1.4" + b"0" * (1024 * 1024 + 1))
    assert error.code == "too_big" and "1 MB" in str(error.message)


def test_the_stored_pdf_still_opens():
    checked = check_upload(upload(pdf(pages=3)))
    assert len(PdfReader(io.BytesIO(checked.content)).pages) == 3
