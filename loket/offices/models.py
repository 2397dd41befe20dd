"""Service points (offices), their counters and their opening hours.

Opening hours are rules per weekday with any number of sessions a day, plus date
exceptions, plus holidays. ``loket.offices.selectors`` turns them into answers.
All times here are wall-clock times in the office's own time zone.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from loket.regions.models import Region


class OfficeKind(models.TextChoices):
    KELURAHAN = "kelurahan", _("Kelurahan office")
    DESA = "desa", _("Desa office")
    KECAMATAN = "kecamatan", _("Kecamatan office")
    DISDUKCAPIL = "disdukcapil", _("Disdukcapil")
    MPP = "mpp", _("Mal Pelayanan Publik")
    PUSKESMAS = "puskesmas", _("Puskesmas")
    EVENT = "event", _("Temporary event location")


class OfficeTimeZone(models.TextChoices):
    WIB = "Asia/Jakarta", _("WIB (UTC+7)")
    WITA = "Asia/Makassar", _("WITA (UTC+8)")
    WIT = "Asia/Jayapura", _("WIT (UTC+9)")


class Office(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=OfficeKind.choices, db_index=True)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="offices",
        verbose_name=_("region"),
        help_text=_("The kelurahan/desa, kecamatan or kabupaten/kota the office belongs to."),
    )
    address = models.CharField(_("address"), max_length=255)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=20, choices=OfficeTimeZone.choices, default=OfficeTimeZone.WIB
    )
    # Holidays: every office closes on national public holidays unless it holds holiday
    # sessions (OpeningRule.HOLIDAY); cuti bersama closes it only if this is set.
    closed_on_cuti_bersama = models.BooleanField(_("closed on cuti bersama"), default=True)
    # Temporary event locations (e.g. BOTRAM) exist only between these dates.
    active_from = models.DateField(_("active from"), null=True, blank=True)
    active_until = models.DateField(_("active until"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(active_until__isnull=True)
                | models.Q(active_from__isnull=True)
                | models.Q(active_until__gte=models.F("active_from")),
                name="office_active_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("offices:detail", kwargs={"slug": self.slug})

    @property
    def tz_label(self) -> str:
        return {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}[self.timezone]


class Counter(models.Model):
    """A service counter (loket) in an office."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="counters", verbose_name=_("office"))
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=80, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["office_id", "number"]
        verbose_name = _("counter (loket)")
        verbose_name_plural = _("counters (loket)")
        constraints = [models.UniqueConstraint(fields=["office", "number"], name="counter_number_unique_per_office")]

    def __str__(self) -> str:
        return f"Loket {self.number}" + (f" – {self.name}" if self.name else "")


class Day(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")
    HOLIDAY = 7, _("Public holidays")


def _check_session_times(opens, closes) -> None:
    if opens is not None and closes is not None and opens == closes:
        raise ValidationError(_("A session cannot open and close at the same time."))


class OpeningRule(models.Model):
    """One weekly session, e.g. Friday 19:00–22:00. A day may hold several sessions.

    ``closes`` earlier than ``opens`` means the session runs past midnight into the next day.
    Day ``HOLIDAY`` sessions replace the weekday's sessions on public holidays.
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="opening_rules", verbose_name=_("office"))
    day = models.PositiveSmallIntegerField(_("day"), choices=Day.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    label = models.CharField(_("label"), max_length=80, blank=True, help_text=_("E.g. 'Friday evening service'."))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["office_id", "day", "opens"]
        verbose_name = _("opening hours rule")
        verbose_name_plural = _("opening hours rules")
        constraints = [
            models.CheckConstraint(condition=~models.Q(opens=models.F("closes")), name="opening_rule_nonempty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_day_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self) -> None:
        _check_session_times(self.opens, self.closes)


class ScheduleException(models.Model):
    """A date on which an office's regular hours do not apply.

    Closed (``is_closed``), or open with the sessions listed in ``sessions`` — a special
    opening (e.g. a weekend event) or changed hours. Exceptions beat holidays and rules.
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="exceptions", verbose_name=_("office"))
    date = models.DateField(_("date"))
    is_closed = models.BooleanField(_("closed all day"), default=False)
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        ordering = ["office_id", "date"]
        verbose_name = _("date exception")
        verbose_name_plural = _("date exceptions")
        constraints = [models.UniqueConstraint(fields=["office", "date"], name="one_exception_per_office_date")]

    def __str__(self) -> str:
        return f"{self.office} {self.date}: {self.reason}"


class ExceptionSession(models.Model):
    exception = models.ForeignKey(
        ScheduleException, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("exception")
    )
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    label = models.CharField(_("label"), max_length=80, blank=True)

    class Meta:
        ordering = ["exception_id", "opens"]
        verbose_name = _("exception session")
        verbose_name_plural = _("exception sessions")
        constraints = [
            models.CheckConstraint(condition=~models.Q(opens=models.F("closes")), name="exception_session_nonempty"),
        ]

    def __str__(self) -> str:
        return f"{self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self) -> None:
        _check_session_times(self.opens, self.closes)


class HolidayKind(models.TextChoices):
    NATIONAL = "national", _("National public holiday")
    CUTI_BERSAMA = "cuti_bersama", _("Cuti bersama")
    LOCAL = "local", _("Local closure")


class Holiday(models.Model):
    """Holidays an admin manages on top of the ``holidays`` package.

    - a NATIONAL or CUTI_BERSAMA row adds a day the package does not know yet (SKB revisions);
    - ``cancelled=True`` removes a package day that was revoked (e.g. a moved cuti bersama);
    - a LOCAL row closes the offices inside ``region`` (or every office when it is empty).
    """

    date = models.DateField(_("date"), db_index=True)
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=HolidayKind.choices)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="holidays",
        verbose_name=_("region"),
        help_text=_("Leave empty for the whole country."),
    )
    cancelled = models.BooleanField(
        _("cancelled"), default=False, help_text=_("Revokes a holiday of this date and kind.")
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
