"""Checking an uploaded document before it is stored: PDF, JPEG or PNG only, decided by the bytes
(never by the file name or the type the browser declares), within a size limit.

- images are decoded with Pillow, turned upright by their EXIF orientation, scaled down to a
  sensible size and re-encoded: what is stored is a fresh image without any metadata (no GPS
  position, no camera serial, nothing hidden after the image data);
- PDFs must open with pypdf, have at least one page, not be encrypted, and carry no JavaScript or
  embedded files; they are stored as uploaded (re-writing a PDF could break a signature on it).

``check_upload`` raises ``DomainError`` with a message that says what to do.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from loket.core.errors import DomainError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_IMAGE_SIDE = 2400  # pixels: plenty for reading a KTP or KK photo, small on slow networks
MAX_IMAGE_PIXELS = 60_000_000  # refuse decompression bombs before decoding them
JPEG_QUALITY = 85

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
_PDF_DANGER = (b"/JavaScript", b"/JS", b"/EmbeddedFile", b"/Launch")


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    sha256: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def max_bytes() -> int:
    return int(getattr(settings, "PERMOHONAN_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))


def sniff(head: bytes) -> str | None:
    """The real type from the first bytes, or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def _refuse(message, code: str) -> DomainError:
    return DomainError(message, code=code)


def _read(uploaded) -> bytes:
    limit = max_bytes()
    if uploaded.size is not None and uploaded.size > limit:
        raise _too_big(limit)
    data = b"".join(uploaded.chunks())
    if len(data) > limit:
        raise _too_big(limit)
    if not data:
        raise _refuse(_("The file is empty. Choose the file again."), "empty")
    return data


def _too_big(limit: int) -> DomainError:
    return _refuse(
        _("The file is larger than %(mb)s MB. Send a smaller scan or photo (e.g. lower resolution).")
        % {"mb": limit // (1024 * 1024)},
        "too_big",
    )


def _clean_image(data: bytes, kind: str) -> bytes:
    unreadable = _refuse(_("The image cannot be read. Take the photo again or send it as PDF."), "bad_image")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_IMAGE_PIXELS:
                raise _refuse(_("The image is too large. Send a smaller photo."), "too_many_pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
            out = io.BytesIO()
            if kind == JPEG:
                image.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
            else:
                keep_alpha = image.mode in ("RGBA", "LA") or "transparency" in image.info
                image.convert("RGBA" if keep_alpha else "RGB").save(out, format="PNG", optimize=True)
            return out.getvalue()
    except DomainError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise unreadable from exc


def _has_active_content(reader: PdfReader) -> bool:
    """Scripts or attachments declared in the document catalog (also inside compressed object
    streams, which a byte scan cannot see)."""
    root = reader.trailer["/Root"]
    names = root.get("/Names")
    names = names.get_object() if names is not None else {}
    if "/JavaScript" in names or "/EmbeddedFiles" in names:
        return True
    action = root.get("/OpenAction")
    action = action.get_object() if action is not None else None
    if hasattr(action, "get") and action.get("/S") in ("/JavaScript", "/Launch"):
        return True
    return "/AA" in root


def _check_pdf(data: bytes) -> bytes:
    if any(marker in data for marker in _PDF_DANGER):
        raise _refuse(
            _("The PDF contains scripts or attached files, which are not accepted. Print it to a new PDF or scan it."),
            "pdf_active",
        )
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise _refuse(_("The PDF is locked with a password. Send it without the password."), "pdf_encrypted")
        if len(reader.pages) == 0:
            raise _refuse(_("The PDF has no pages."), "pdf_empty")
        reader.pages[0].mediabox  # noqa: B018 - reading the first page proves the file opens
        if _has_active_content(reader):
            raise _refuse(
                _(
                    "The PDF contains scripts or attached files, which are not accepted. "
                    "Print it to a new PDF or scan it."
                ),
                "pdf_active",
            )
    except DomainError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise _refuse(_("The PDF cannot be opened. It may be damaged: scan or save it again."), "pdf_broken") from exc
    return data


def check_upload(uploaded) -> CheckedFile:
    """Check one uploaded file (a Django ``UploadedFile``) and return what to store."""
    data = _read(uploaded)
    kind = sniff(data[:16])
    if kind is None:
        raise _refuse(_("This file is not a PDF, JPEG or PNG. Send a scan as PDF or a photo as JPG/PNG."), "bad_type")
    content = _check_pdf(data) if kind == PDF else _clean_image(data, kind)
    return CheckedFile(content=content, content_type=kind, sha256=hashlib.sha256(content).hexdigest())
