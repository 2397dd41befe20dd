"""Template helpers of the queue pages: office-local times and QR codes."""

from __future__ import annotations

import datetime as dt

import segno
from django import template
from django.utils.safestring import mark_safe

from loket.core import policy
from loket.offices.selectors import office_zone

register = template.Library()


@register.filter
def local(value: dt.datetime | None, office) -> dt.datetime | None:
    """``value`` as wall-clock time in ``office``'s own zone (WIB/WITA/WIT), for ``|time`` and
    ``|date``. Returned naive on purpose: Django's date filters turn an aware value back into the
    site's zone (Asia/Jakarta), which would show a WITA or WIT office's times an hour or two off."""
    if value is None:
        return None
    return value.astimezone(office_zone(office)).replace(tzinfo=None)


@register.simple_tag
def qr_svg(data: str, scale: int = 5) -> str:
    """An inline SVG QR code of ``data`` (error correction M, quiet zone 2 modules)."""
    qr = segno.make(data, error="m")
    return mark_safe(qr.svg_inline(scale=scale, border=2, dark="#000", light="#fff"))  # noqa: S308 - segno's own SVG


@register.filter
def works_a_desk(user) -> bool:
    """The user is a petugas loket or office admin somewhere (the header links to the queue desk)."""
    return bool(getattr(user, "is_officer", False) and policy.allows_somewhere(user, policy.CALL_TICKETS))
