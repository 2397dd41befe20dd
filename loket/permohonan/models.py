"""Online requests (permohonan): what a citizen asks an office for, with the form's values, the
uploaded documents, where the request stands, and where the result is collected.

The workflow (``workflow.py``) says which status may follow which; ``services.py`` is the only code
that changes a request, each change leaving an audit row.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from loket.catalog.models import Requirement, Service
from loket.letters.models import Letter
from loket.offices.models import Office
from loket.regions.models import Region

# Crockford's base32 without the look-alikes I, L, O, U: easy to read out on the phone.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def private_storage():
    """Where uploads live: the private storage (settings.STORAGES["private"]), never a public URL."""
    return storages["private"]


def new_code() -> str:
    """A tracking code such as ``PMH-7K3Q-9XTA`` (40 random bits; unique by constraint)."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"PMH-{chars[:4]}-{chars[4:]}"


def new_token() -> str:
    """The unguessable token behind the pickup QR code."""
    return secrets.token_urlsafe(24)


class Status(models.TextChoices):
    # With a context: other apps use the same English words ("Verified", "Done") for other things.
    DRAFT = "draft", pgettext_lazy("permohonan status", "Draft")
    MENUNGGU_PENGANTAR = "menunggu_pengantar", pgettext_lazy("permohonan status", "Waiting for the surat pengantar")
    DIAJUKAN = "diajukan", pgettext_lazy("permohonan status", "Submitted")
    DIKEMBALIKAN = "dikembalikan", pgettext_lazy("permohonan status", "Returned for correction")
    DIVERIFIKASI = "diverifikasi", pgettext_lazy("permohonan status", "Verified")
    DIPROSES = "diproses", pgettext_lazy("permohonan status", "Being processed")
    MENUNGGU_TANDA_TANGAN = "menunggu_tanda_tangan", pgettext_lazy("permohonan status", "Waiting for signature")
    SELESAI = "selesai", pgettext_lazy("permohonan status", "Done")
    SIAP_DIAMBIL = "siap_diambil", pgettext_lazy("permohonan status", "Ready for pickup")
    DIAMBIL = "diambil", pgettext_lazy("permohonan status", "Collected")
    DITOLAK = "ditolak", pgettext_lazy("permohonan status", "Rejected")
    DIBATALKAN = "dibatalkan", pgettext_lazy("permohonan status", "Withdrawn")


OPEN_STATUSES = (
    Status.MENUNGGU_PENGANTAR,
    Status.DIAJUKAN,
    Status.DIKEMBALIKAN,
    Status.DIVERIFIKASI,
    Status.DIPROSES,
    Status.MENUNGGU_TANDA_TANGAN,
)


class Permohonan(models.Model):
    code = models.CharField(_("tracking code"), max_length=14, unique=True, default=new_code, editable=False)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="permohonan", verbose_name=_("service"))
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="permohonan", verbose_name=_("handling office")
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="permohonan", verbose_name=_("citizen")
    )
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.DRAFT, db_index=True)
    # The citizen's identity as printed on letters (asked once, prefilled next time) and the
    # service's own form fields (catalog.ServiceField keys).
    identity = models.JSONField(_("identity"), default=dict, blank=True)
    values = models.JSONField(_("form values"), default=dict, blank=True)
    fee = models.PositiveBigIntegerField(_("fee (Rp)"), default=0, help_text=_("The service's fee when submitted."))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="steps",
        verbose_name=_("main request"),
        help_text=_("For a surat pengantar: the request it introduces."),
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_permohonan",
        verbose_name=_("handled by"),
    )
    created_at = models.DateTimeField(_("created at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    due_date = models.DateField(
        _("due date"), null=True, blank=True, help_text=_("Office-local date by which the service standard is met.")
    )
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    paused_working_days = models.PositiveSmallIntegerField(_("working days paused"), default=0)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    reject_reason = models.TextField(_("reason for rejecting"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    letter = models.ForeignKey(
        Letter, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("letter")
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters_to_sign",
        verbose_name=_("to be signed by"),
    )
    pickup_office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pickups",
        verbose_name=_("collect at"),
    )
    pickup_note = models.CharField(_("pickup note"), max_length=200, blank=True)
    pickup_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    collected_at = models.DateTimeField(_("collected at"), null=True, blank=True)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handed over by"),
    )

    class Meta:
        verbose_name = _("request (permohonan)")
        verbose_name_plural = _("requests (permohonan)")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["office", "status"], name="permohonan_office_status")]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_editable_by_citizen(self) -> bool:
        return self.status in (Status.DRAFT, Status.DIKEMBALIKAN)


class Upload(models.Model):
    """A document the citizen uploaded for one requirement (checked, re-encoded; stored privately).

    At most one current upload per requirement: a new one replaces the old (audited)."""

    permohonan = models.ForeignKey(Permohonan, on_delete=models.CASCADE, related_name="uploads")
    requirement = models.ForeignKey(Requirement, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(_("file"), storage=private_storage, upload_to="permohonan/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")
        constraints = [
            models.UniqueConstraint(fields=["permohonan", "requirement"], name="one_upload_per_requirement"),
        ]

    def __str__(self) -> str:
        return f"{self.permohonan_id}:{self.original_name}"


class CityPolicy(models.Model):
    """Rules a kabupaten/kota sets for requests in its offices (e.g. Kota Bekasi lets citizens take a
    kecamatan service to any kecamatan of the city)."""

    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("kabupaten/kota"))
    any_kecamatan = models.BooleanField(
        _("citizens may choose any kecamatan of the city"),
        default=False,
        help_text=_("Otherwise a kecamatan service is handled by the kecamatan of the citizen's kelurahan."),
    )

    class Meta:
        verbose_name = _("city policy")
        verbose_name_plural = _("city policies")

    def __str__(self) -> str:
        return str(self.region)
