"""Official letters (naskah dinas): each office's letterhead and numbering, letter templates per
service, the numbering counters and the letters issued.

Change them only through ``loket.letters.services`` (validation, permission, audit). A ``Letter``
is a record: once issued it never changes; its PDF lives in the private storage
(``settings.STORAGES["private"]``), never under a public URL, with its SHA-256 beside it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils.translation import gettext_lazy as _

from loket.catalog.models import Service
from loket.offices.models import Office

# {kode}/{nomor:03}/{unit}/{bulan_romawi}/{tahun} -> 470/012/Kel.GP/XI/2026 (see loket.letters.numbering)
DEFAULT_NUMBER_FORMAT = "{kode}/{nomor:03}/{unit}/{bulan_romawi}/{tahun}"


def private_storage():
    """Logos and issued letters live in the private storage, never under a public URL."""
    return storages["private"]


def logo_path(instance: OfficeLetterSettings, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return f"letters/logos/office-{instance.office_id}.{extension}"


def letter_path(instance: Letter, filename: str) -> str:
    return f"letters/{instance.office_id}/{instance.year}/{filename}"


class OfficeLetterSettings(models.Model):
    """One office's letterhead (kop surat) and letter numbering."""

    office = models.OneToOneField(
        Office, on_delete=models.CASCADE, related_name="letter_settings", verbose_name=_("office")
    )
    unit_code = models.CharField(
        _("unit code"), max_length=30, help_text=_("The office's code in letter numbers, e.g. Kel.GP.")
    )
    number_format = models.CharField(
        _("number format"),
        max_length=120,
        default=DEFAULT_NUMBER_FORMAT,
        help_text=_(
            "Placeholders: {kode} classification code, {nomor} running number ({nomor:04} pads to 4 digits), "
            "{unit} unit code, {bulan_romawi} month in Roman numerals, {bulan} month number, {tahun} year."
        ),
    )
    government_line = models.CharField(
        _("government line"), max_length=120, help_text=_("The first letterhead line, e.g. PEMERINTAH KOTA PADANG.")
    )
    unit_lines = models.TextField(
        _("unit lines"),
        help_text=_("One line each, e.g. KECAMATAN PADANG UTARA and KELURAHAN GUNUNG PANGILUN."),
    )
    address_line = models.CharField(_("address line"), max_length=255)
    contact_line = models.CharField(
        _("contact line"), max_length=255, blank=True, help_text=_("Phone, e-mail and website.")
    )
    place_name = models.CharField(
        _("place name"), max_length=80, help_text=_("The place in the date line, e.g. Padang.")
    )
    logo = models.FileField(
        _("logo"),
        storage=private_storage,
        upload_to=logo_path,
        blank=True,
        help_text=_("The regional emblem, PNG or JPEG, at most 1 MB. Without one the letterhead has no logo."),
    )
    logo_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("office letter settings")
        verbose_name_plural = _("office letter settings")

    def __str__(self) -> str:
        return f"{self.office} ({self.unit_code})"

    @property
    def unit_line_list(self) -> list[str]:
        return [line.strip() for line in self.unit_lines.splitlines() if line.strip()]


class LetterTemplate(models.Model):
    """The text of one service's letter: for one office, or (office empty) the default for every office.

    The body is plain text with ``{{ key }}`` placeholders (see ``loket.letters.templating``).
    """

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="letter_templates", verbose_name=_("service")
    )
    office = models.ForeignKey(
        Office,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="letter_templates",
        verbose_name=_("office"),
        help_text=_("Empty: the default template for every office."),
    )
    classification_code = models.CharField(
        _("classification code"), max_length=20, help_text=_("Kode klasifikasi arsip, e.g. 470 or 500.16.")
    )
    title = models.CharField(_("title"), max_length=150, help_text=_("E.g. SURAT KETERANGAN USAHA."))
    body = models.TextField(
        _("body"),
        help_text=_(
            "Plain text with placeholders such as {{ nama }}. A blank line starts a new paragraph; "
            "lines like 'Nama : {{ nama }}' become an aligned table."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["service_id", "office_id"]
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "office"],
                name="letter_template_unique_per_office",
                violation_error_message=_("This office already has a letter template for this service."),
            ),
            # NULLs are distinct in a unique constraint: one default (office empty) per service needs its own.
            models.UniqueConstraint(
                fields=["service"],
                condition=models.Q(office__isnull=True),
                name="letter_template_one_default",
                violation_error_message=_("There is already a default letter template for this service."),
            ),
        ]

    def __str__(self) -> str:
        where = self.office.name if self.office_id else _("default")
        return f"{self.title} ({where})"


class LetterCounter(models.Model):
    """The last number taken in one office's series (classification code) and office-local year."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name=_("office"))
    series = models.CharField(_("series"), max_length=20)
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("letter number counter")
        verbose_name_plural = _("letter number counters")
        constraints = [
            models.UniqueConstraint(fields=["office", "series", "year"], name="letter_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.office_id}:{self.series}/{self.year} = {self.last_number}"


class Letter(models.Model):
    """An issued letter: its number, the texts and values it was made from, the signer and the PDF."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="letters", verbose_name=_("office"))
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="letters", verbose_name=_("service"))
    template = models.ForeignKey(
        LetterTemplate, on_delete=models.PROTECT, related_name="letters", verbose_name=_("template")
    )
    number = models.CharField(_("number"), max_length=120, db_index=True)
    series = models.CharField(_("series"), max_length=20)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    issued_on = models.DateField(_("issued on"), help_text=_("The office's local date."))
    title = models.CharField(_("title"), max_length=150)
    values = models.JSONField(_("values"), default=dict, help_text=_("The values the letter was filled with."))
    document = models.JSONField(
        _("document"), default=dict, help_text=_("Everything the layout was given: texts, letterhead, signer.")
    )
    signer_name = models.CharField(_("signer name"), max_length=150)
    signer_title = models.CharField(_("signer position"), max_length=150)
    signer_nip = models.CharField(_("signer NIP"), max_length=30, blank=True)
    signer_on_behalf = models.CharField(_("a.n. / Plt. line"), max_length=150, blank=True)
    reference = models.CharField(
        _("reference"), max_length=100, blank=True, db_index=True, help_text=_("E.g. permohonan:PMH-7K3Q-9XTA.")
    )
    pdf = models.FileField(_("PDF"), storage=private_storage, upload_to=letter_path)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        constraints = [
            models.UniqueConstraint(fields=["office", "series", "year", "sequence"], name="letter_number_unique"),
            models.CheckConstraint(condition=models.Q(sequence__gte=1), name="letter_sequence_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.number}"
