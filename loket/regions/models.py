"""The Kemendagri region tree: provinsi > kabupaten/kota > kecamatan > kelurahan/desa."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.IntegerChoices):
    PROVINSI = 1, _("Province")
    KABUPATEN_KOTA = 2, _("Regency/City")
    KECAMATAN = 3, _("District (kecamatan)")
    KELURAHAN_DESA = 4, _("Village (kelurahan/desa)")


class Region(models.Model):
    """One region, keyed by its dotted Kemendagri code (e.g. ``36.74.04.1003``).

    Codes are never deleted: a code missing from a newer list is kept with
    ``is_current=False`` because old NIKs keep their original prefix.
    """

    code = models.CharField(_("code"), max_length=13, primary_key=True)
    name = models.CharField(_("name"), max_length=120)
    level = models.PositiveSmallIntegerField(_("level"), choices=RegionLevel.choices, db_index=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    is_current = models.BooleanField(_("in the current list"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(level=1, parent__isnull=True) | models.Q(level__gt=1, parent__isnull=False)),
                name="region_parent_matches_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def digits(self) -> str:
        return self.code.replace(".", "")

    @property
    def is_kota(self) -> bool:
        """Kabupaten/kota codes 71–99 are cities (kota); 01–69 regencies."""
        return self.level == RegionLevel.KABUPATEN_KOTA and int(self.code[3:5]) >= 71

    @property
    def village_kind(self) -> str:
        """First digit of the 4-digit village code: 1 kelurahan, 2 desa, 3 desa adat."""
        if self.level != RegionLevel.KELURAHAN_DESA:
            return ""
        return {"1": "kelurahan", "2": "desa", "3": "desa adat"}.get(self.code[9], "desa")
