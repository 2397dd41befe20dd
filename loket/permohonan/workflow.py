"""Which status may follow which. Services refuse any other change (``require_transition``).

draft ──submit──> diajukan ──verify──> diverifikasi ──process──> diproses ──send──> menunggu tanda tangan
  │                 │  ▲                                                              │
  │                 │  └──resubmit── dikembalikan <──return── (diajukan)             signed
  │                 └──reject──> ditolak   (also from diverifikasi, diproses)         ▼
  └──submit (needs a surat pengantar)──> menunggu pengantar ──pengantar signed──> diajukan
                                                                      selesai (downloadable) / siap diambil ──hand over──> diambil
draft, menunggu pengantar, diajukan, dikembalikan ──withdraw──> dibatalkan
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from loket.core.errors import DomainError
from loket.permohonan.models import Status

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.DIAJUKAN, Status.MENUNGGU_PENGANTAR, Status.DIBATALKAN}),
    Status.MENUNGGU_PENGANTAR: frozenset({Status.DIAJUKAN, Status.DITOLAK, Status.DIBATALKAN}),
    Status.DIAJUKAN: frozenset({Status.DIVERIFIKASI, Status.DIKEMBALIKAN, Status.DITOLAK, Status.DIBATALKAN}),
    Status.DIKEMBALIKAN: frozenset({Status.DIAJUKAN, Status.DIBATALKAN}),
    Status.DIVERIFIKASI: frozenset({Status.DIPROSES, Status.DITOLAK}),
    Status.DIPROSES: frozenset({Status.MENUNGGU_TANDA_TANGAN, Status.DITOLAK}),
    Status.MENUNGGU_TANDA_TANGAN: frozenset({Status.SELESAI, Status.SIAP_DIAMBIL, Status.DIPROSES}),
    Status.SIAP_DIAMBIL: frozenset({Status.DIAMBIL}),
    Status.SELESAI: frozenset(),
    Status.DIAMBIL: frozenset(),
    Status.DITOLAK: frozenset(),
    Status.DIBATALKAN: frozenset(),
}


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def require_transition(current: str, target: str) -> None:
    if not can_move(current, target):
        raise DomainError(
            _("A request that is “%(current)s” cannot become “%(target)s”.")
            % {"current": Status(current).label, "target": Status(target).label},
            code="bad_transition",
        )
