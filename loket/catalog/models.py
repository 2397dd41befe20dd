"""Services (jenis layanan) and their service standards (standar pelayanan, UU 25/2009 Pasal 21)."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from loket.offices.models import OfficeKind


class ServiceCategory(models.TextChoices):
    ADMINDUK = "adminduk", _("Population administration (adminduk)")
    SURAT_KETERANGAN = "surat", _("Kelurahan/desa letters")
    KESEHATAN = "kesehatan", _("Health")
    PERIZINAN = "perizinan", _("Licensing")
    LAINNYA = "lainnya", _("Other")


class SignerRole(models.TextChoices):
    NONE = "", _("No signature")
    LURAH = "lurah", _("Lurah")
    KEPALA_DESA = "kepala_desa", _("Kepala desa")
    SEKRETARIS = "sekretaris", _("Sekretaris (a.n.)")
    CAMAT = "camat", _("Camat")
    KEPALA_DINAS = "kepala_dinas", _("Kepala Disdukcapil")
    KEPALA_PUSKESMAS = "kepala_puskesmas", _("Kepala puskesmas")


class Service(models.Model):
    """A service with its published standard.

    The first group of fields is the service-delivery part of the standard that must be
    published (PermenPAN-RB 15/2014: requirements, procedure, time, fee, product,
    complaints); the rest is the internal part.
    """

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=150)
    category = models.CharField(_("category"), max_length=20, choices=ServiceCategory.choices)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    # Where the service is given and by whom it is signed.
    office_kinds = models.JSONField(
        _("office kinds that provide it"),
        default=list,
        help_text=_("List of office kinds, e.g. ['kelurahan', 'desa']."),
    )
    signer_role = models.CharField(_("signed by"), max_length=20, choices=SignerRole.choices, blank=True)
    allows_online_request = models.BooleanField(_("can be requested online"), default=True)
    allows_queue_booking = models.BooleanField(_("can be booked in the queue"), default=True)
    # Adminduk documents are free by law (UU 24/2013 Pasal 79A); the database enforces it.
    is_adminduk = models.BooleanField(_("population document (adminduk, always free)"), default=False)
    fee = models.PositiveBigIntegerField(_("fee (Rp)"), default=0)
    # Standar pelayanan, UU 25/2009 Pasal 21.
    legal_basis = models.TextField(_("legal basis"), blank=True)
    procedure = models.TextField(_("procedure"), blank=True)
    completion_days = models.PositiveSmallIntegerField(_("completion time (working days)"))
    product = models.CharField(_("service product"), max_length=200)
    complaint_channel = models.TextField(_("complaints and feedback"), blank=True)
    facilities = models.TextField(_("facilities"), blank=True)
    staff_competence = models.TextField(_("staff competence"), blank=True)
    internal_supervision = models.TextField(_("internal supervision"), blank=True)
    staff_count = models.CharField(_("number of staff"), max_length=100, blank=True)
    service_guarantee = models.TextField(_("service guarantee"), blank=True)
    security_guarantee = models.TextField(_("security and safety guarantee"), blank=True)
    performance_evaluation = models.TextField(_("staff performance evaluation"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    prerequisites = models.ManyToManyField(
        "self",
        through="Prerequisite",
        symmetrical=False,
        related_name="required_by",
        blank=True,
        verbose_name=_("services needed first"),
    )

    class Meta:
        ordering = ["category", "name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_adminduk=False) | models.Q(fee=0), name="adminduk_service_is_free"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.is_adminduk and self.fee:
            raise ValidationError(
                {
                    "fee": _(
                        "Population documents (adminduk) must be free: charging for them is forbidden by "
                        "UU 24/2013 Pasal 79A. Set the fee to 0."
                    )
                }
            )
        unknown = [kind for kind in self.office_kinds or [] if kind not in OfficeKind.values]
        if unknown or not self.office_kinds:
            raise ValidationError(
                {
                    "office_kinds": _("List one or more office kinds from: %(kinds)s.")
                    % {"kinds": ", ".join(OfficeKind.values)}
                }
            )

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("catalog:detail", kwargs={"slug": self.slug})

    @property
    def is_free(self) -> bool:
        return self.fee == 0

    def is_provided_at(self, office_kind: str) -> bool:
        return office_kind in self.office_kinds


class Requirement(models.Model):
    """One requirement (persyaratan) of a service, optionally an upload."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="requirements", verbose_name=_("service")
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.CharField(_("description"), max_length=300, blank=True)
    needs_upload = models.BooleanField(_("needs an upload"), default=False)
    is_mandatory = models.BooleanField(_("mandatory"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["service_id", "order", "id"]
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")

    def __str__(self) -> str:
        return self.name


class FieldKind(models.TextChoices):
    TEXT = "text", _("Short text")
    TEXTAREA = "textarea", _("Long text")
    DATE = "date", _("Date")
    NUMBER = "number", _("Whole number")
    NIK = "nik", _("NIK (16 digits)")
    PHONE = "phone", _("Phone number")
    CHOICE = "choice", _("Choice from a list")


class ServiceField(models.Model):
    """One field of a service's online request form (e.g. the business name of a surat keterangan
    usaha). ``key`` names the value in the request and in letter templates (``{{ nama_usaha }}``)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="fields", verbose_name=_("service"))
    key = models.SlugField(
        _("key"),
        max_length=40,
        help_text=_("Lowercase letters, digits and underscores, e.g. nama_usaha; used in letter templates."),
    )
    label = models.CharField(_("label"), max_length=150)
    kind = models.CharField(_("kind"), max_length=10, choices=FieldKind.choices, default=FieldKind.TEXT)
    required = models.BooleanField(_("required"), default=True)
    choices = models.JSONField(_("choices"), default=list, blank=True, help_text=_("For a choice: the options."))
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["service_id", "order", "id"]
        verbose_name = _("request form field")
        verbose_name_plural = _("request form fields")
        constraints = [models.UniqueConstraint(fields=["service", "key"], name="service_field_key_unique")]

    def __str__(self) -> str:
        return f"{self.service_id}:{self.key}"

    def clean(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", self.key or ""):
            raise ValidationError({"key": _("Use lowercase letters, digits and underscores, starting with a letter.")})
        if self.kind == FieldKind.CHOICE and not self.choices:
            raise ValidationError({"choices": _("List the options of this choice.")})


class Prerequisite(models.Model):
    """``service`` needs ``required_service`` first, done at an office of ``at_office_kind``.

    E.g. a kecamatan service that needs the surat pengantar of the citizen's kelurahan.
    """

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="prerequisite_links")
    required_service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    at_office_kind = models.CharField(_("at office kind"), max_length=20, choices=OfficeKind.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["service_id", "order"]
        verbose_name = _("prerequisite")
        verbose_name_plural = _("prerequisites")
        constraints = [
            models.UniqueConstraint(fields=["service", "required_service"], name="prerequisite_unique"),
            models.CheckConstraint(
                condition=~models.Q(service=models.F("required_service")), name="prerequisite_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} ← {self.required_service} ({self.at_office_kind})"


class OfficeService(models.Model):
    """An office's own switch for a service its kind provides (e.g. not offered here, or extra notes)."""

    office = models.ForeignKey("offices.Office", on_delete=models.CASCADE, related_name="service_settings")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="office_settings")
    is_offered = models.BooleanField(_("offered"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("office service setting")
        verbose_name_plural = _("office service settings")
        constraints = [models.UniqueConstraint(fields=["office", "service"], name="office_service_unique")]

    def __str__(self) -> str:
        return f"{self.office_id}:{self.service_id} {'on' if self.is_offered else 'off'}"
