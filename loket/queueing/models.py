"""Queue data: service groups, quotas, the counters that hand out places and numbers, tickets.

How places are counted (see ``services/counting.py``):

- ``SessionCounter`` (group, local date, session start) holds ``online_used`` and ``walkin_used``.
  A place is taken only by a conditional ``UPDATE … SET used = used + 1 WHERE used < limit``; the
  row count says whether a place was granted. The database serialises concurrent updates of one
  row, so the quota can never be exceeded, and no count-then-insert race exists.
- ``DayCounter`` (group, local date) holds ``last_number``: ticket numbers run per office, local
  day and service group across all sessions (``A-001``, ``A-002``, …), incremented by
  ``UPDATE … SET last_number = last_number + 1`` in the same transaction.
"""

from __future__ import annotations

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from loket.catalog.models import Service
from loket.offices.models import Counter, Day, Office


def new_token() -> str:
    """An unguessable ticket token (carried by the QR code)."""
    return secrets.token_urlsafe(24)


class ServiceGroup(models.Model):
    """Services of one office that share a queue and a number series, e.g. ``A`` = KTP-el and KK."""

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="service_groups", verbose_name=_("office")
    )
    letter = models.CharField(_("letter"), max_length=3, help_text=_("Prefix of the ticket numbers, e.g. 'A'."))
    name = models.CharField(_("name"), max_length=100)
    services = models.ManyToManyField(Service, related_name="queue_groups", verbose_name=_("services"))
    avg_service_minutes = models.PositiveSmallIntegerField(
        _("minutes per visitor"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text=_("Typical time at the counter; used for waiting-time estimates until enough visits are recorded."),
    )

    class Meta:
        verbose_name = _("service group")
        verbose_name_plural = _("service groups")
        ordering = ["office", "letter"]
        constraints = [
            models.UniqueConstraint(fields=["office", "letter"], name="queue_group_letter_unique_per_office"),
        ]

    def __str__(self) -> str:
        return f"{self.letter} – {self.name}"


class Quota(models.Model):
    """Places per session for one service group.

    Which row applies to a session (most specific first): a row for that local ``date``, then a row
    for its ``weekday``, then a default row (neither). Within each, a row for that ``session_start``
    beats one for any session (``session_start`` empty). No matching row means no places.

    Both limits count per session: a row without ``session_start`` gives each session of the day
    its own ``online_limit`` and ``walkin_limit``. An office with one session a day (Disdukcapil
    Kota Tegal: 20 online, 40 walk-in) sets one row; with two sessions, one row per session.
    """

    group = models.ForeignKey(ServiceGroup, on_delete=models.CASCADE, related_name="quotas", verbose_name=_("group"))
    date = models.DateField(_("date"), null=True, blank=True, help_text=_("Only this local date (optional)."))
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        choices=[(d.value, d.label) for d in Day if d != Day.HOLIDAY],
        null=True,
        blank=True,
        help_text=_("Only this weekday (optional)."),
    )
    session_start = models.TimeField(
        _("session start"), null=True, blank=True, help_text=_("Only the session starting at this time (optional).")
    )
    online_limit = models.PositiveIntegerField(_("online bookings"))
    walkin_limit = models.PositiveIntegerField(_("walk-in tickets"))

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date__isnull=True) | models.Q(weekday__isnull=True),
                name="queue_quota_date_or_weekday",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.online_limit}/{self.walkin_limit}"

    def specificity(self) -> int:
        level = 4 if self.date else (2 if self.weekday is not None else 0)
        return level + (1 if self.session_start else 0)


class SessionCounter(models.Model):
    """Places taken in one session of one local day; changed only by conditional updates."""

    group = models.ForeignKey(ServiceGroup, on_delete=models.CASCADE, related_name="+")
    local_date = models.DateField()
    session_start = models.TimeField()
    online_used = models.PositiveIntegerField(default=0)
    walkin_used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "local_date", "session_start"], name="queue_session_counter_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.local_date} {self.session_start}: {self.online_used}/{self.walkin_used}"


class DayCounter(models.Model):
    """The last ticket number handed out for a group on a local day."""

    group = models.ForeignKey(ServiceGroup, on_delete=models.CASCADE, related_name="+")
    local_date = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "local_date"], name="queue_day_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.local_date}: {self.last_number}"


class TicketKind(models.TextChoices):
    ONLINE = "online", _("Online booking")
    WALKIN = "walkin", _("Walk-in")


class TicketStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    WAITING = "waiting", _("Waiting")
    CALLED = "called", _("Called")
    SERVING = "serving", _("Being served")
    DONE = "done", _("Done")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATUSES = (
    TicketStatus.BOOKED,
    TicketStatus.CHECKED_IN,
    TicketStatus.WAITING,
    TicketStatus.CALLED,
    TicketStatus.SERVING,
)


class Ticket(models.Model):
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("office"))
    group = models.ForeignKey(ServiceGroup, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("group"))
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("service"))
    citizen = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("citizen"),
        help_text=_("Empty for walk-in tickets."),
    )
    local_date = models.DateField(_("date"))
    session_start = models.DateTimeField(_("session start"))
    session_end = models.DateTimeField(_("session end"))
    number = models.PositiveIntegerField(_("number"))
    code = models.CharField(_("ticket number"), max_length=12)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=TicketKind.choices)
    priority = models.BooleanField(
        _("priority (kelompok rentan)"), default=False, help_text=_("Elderly, disabled or pregnant visitors.")
    )
    status = models.CharField(_("status"), max_length=12, choices=TicketStatus.choices, db_index=True)
    created_at = models.DateTimeField(_("issued at"))
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    ready_at = models.DateTimeField(
        _("waiting since"),
        null=True,
        blank=True,
        help_text=_("Where the ticket stands in the line: its session start, or its arrival when it came late."),
    )
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    serving_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    counter = models.ForeignKey(
        Counter,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("counter"),
        help_text=_("The counter that called the ticket last."),
    )
    assigned_counter = models.ForeignKey(
        Counter,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("transferred to counter"),
        help_text=_("Only this counter may call the ticket (set by a transfer)."),
    )
    transferred_at = models.DateTimeField(_("transferred at"), null=True, blank=True)
    recall_count = models.PositiveSmallIntegerField(_("recalls"), default=0)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    near_notified_at = models.DateTimeField(_("'turn near' sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["local_date", "group", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "group", "local_date", "number"], name="queue_ticket_number_unique_per_day"
            ),
            models.UniqueConstraint(
                fields=["citizen", "service", "local_date"],
                condition=models.Q(kind="online", status__in=[s.value for s in ACTIVE_STATUSES]),
                name="queue_one_active_booking_per_citizen_service_day",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="walkin") | models.Q(citizen__isnull=False),
                name="queue_online_ticket_has_citizen",
            ),
        ]
        indexes = [models.Index(fields=["office", "local_date", "status"], name="queue_ticket_office_day")]

    def __str__(self) -> str:
        return f"{self.code} ({self.local_date})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


def format_code(letter: str, number: int) -> str:
    """``A-012``: the group letter and the number, at least three digits."""
    return f"{letter}-{number:03d}"


class CounterShift(models.Model):
    """A counter (loket) opened by a petugas for some service groups, until it is closed.

    At most one open shift per counter (partial unique constraint on ``closed_at IS NULL``).
    """

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("counter"))
    officer = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="counter_shifts", verbose_name=_("officer")
    )
    groups = models.ManyToManyField(ServiceGroup, related_name="shifts", verbose_name=_("service groups"))
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("counter shift")
        verbose_name_plural = _("counter shifts")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["counter"], condition=models.Q(closed_at__isnull=True), name="queue_one_open_shift_per_counter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.counter} {self.opened_at:%Y-%m-%d %H:%M}"


class Call(models.Model):
    """One announcement of a ticket at a counter: a call or a recall. The display board shows and
    speaks these in order of ``id``."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name=_("office"))
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="calls", verbose_name=_("ticket"))
    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="+", verbose_name=_("counter"))
    code = models.CharField(_("ticket number"), max_length=12)
    at = models.DateTimeField(_("called at"))
    is_recall = models.BooleanField(_("recall"), default=False)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-id"]
        indexes = [models.Index(fields=["office", "-id"], name="queue_call_office_latest")]

    def __str__(self) -> str:
        return f"{self.code} -> {self.counter_id} {self.at:%H:%M:%S}"


class LatePolicy(models.TextChoices):
    QUEUE_AT_ARRIVAL = "queue_at_arrival", _("Late bookings wait from their arrival, like walk-ins")
    REFUSE = "refuse", _("Late bookings lapse: the visitor takes a walk-in ticket")


class QueueSettings(models.Model):
    """An office's own queue rules. An office without a row uses the defaults below."""

    office = models.OneToOneField(
        Office, on_delete=models.CASCADE, related_name="queue_settings", verbose_name=_("office")
    )
    late_grace_minutes = models.PositiveSmallIntegerField(
        _("grace for late bookings (minutes)"),
        default=15,
        validators=[MaxValueValidator(600)],
        help_text=_("A booking checked in up to this long after its session starts keeps its place in the line."),
    )
    late_policy = models.CharField(
        _("later than that"), max_length=20, choices=LatePolicy.choices, default=LatePolicy.QUEUE_AT_ARRIVAL
    )
    noshow_limit = models.PositiveSmallIntegerField(
        _("no-shows before online booking is suspended"),
        default=3,
        validators=[MaxValueValidator(50)],
        help_text=_("Missed bookings within the window below; 0 never suspends."),
    )
    noshow_window_days = models.PositiveSmallIntegerField(
        _("no-show window (days)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    noshow_block_days = models.PositiveSmallIntegerField(
        _("suspension (days)"), default=7, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    turn_near_ahead = models.PositiveSmallIntegerField(
        _("'your turn is near' at this many tickets ahead"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )

    class Meta:
        verbose_name = _("queue settings")
        verbose_name_plural = _("queue settings")

    def __str__(self) -> str:
        return f"{self.office}"
