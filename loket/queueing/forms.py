"""Forms of the office admin's queue settings page: they parse input; ``services.config`` decides
what is allowed (ranges, letters, one group per service, one quota row per scope) and says what to
fix."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from loket.catalog.models import Service
from loket.queueing.models import QueueSettings, ServiceGroup
from loket.queueing.services.config import MAX_LIMIT, MAX_MINUTES, MIN_MINUTES, SETTINGS_FIELDS, WEEKDAYS

DEFAULT_MINUTES = 10

_DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ServiceGroupForm(forms.Form):
    """A service group: its letter, name, services and typical minutes per visitor."""

    letter = forms.CharField(
        label=_("Letter"),
        help_text=_("1 to 3 capital letters; the ticket numbers start with it, e.g. A-001."),
        error_messages={"required": _("Enter the group letter, e.g. A.")},
        widget=forms.TextInput(
            attrs={"maxlength": 3, "autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    name = forms.CharField(
        label=_("Name"),
        error_messages={"required": _("Enter the group's name, e.g. 'KTP-el and KK'.")},
        widget=forms.TextInput(attrs={"maxlength": 100, "placeholder": _("E.g. KTP-el and KK")}),
    )
    services = forms.ModelMultipleChoiceField(
        label=_("Services in this queue"),
        queryset=Service.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose only services this office offers.")},
    )
    avg_service_minutes = forms.IntegerField(
        label=_("Minutes per visitor"),
        help_text=_("Typical time at the counter; used for waiting-time estimates until enough visits are recorded."),
        initial=DEFAULT_MINUTES,
        error_messages={
            "required": _("Enter the minutes per visitor, e.g. 10."),
            "invalid": _("Enter the minutes per visitor as a whole number, e.g. 10."),
        },
        widget=forms.NumberInput(attrs={"min": MIN_MINUTES, "max": MAX_MINUTES, "inputmode": "numeric"}),
    )

    def __init__(self, *args, services=(), taken=None, group: ServiceGroup | None = None, **kwargs):
        """``services``: the office's offered services (the choices); ``taken``: {service id: letter}
        of the office's other groups, shown beside those services; ``group``: the group edited."""
        kwargs.setdefault("prefix", "kelompok")
        if group is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "letter": group.letter,
                "name": group.name,
                "services": [s.pk for s in group.services.all()],
                "avg_service_minutes": group.avg_service_minutes,
            }
        super().__init__(*args, **kwargs)
        self.group = group
        field = self.fields["services"]
        field.queryset = Service.objects.filter(pk__in=[s.pk for s in services]).order_by("name")
        taken = taken or {}
        field.label_from_instance = lambda s: (
            _("%(service)s (now in group %(letter)s)") % {"service": s.name, "letter": taken[s.pk]}
            if s.pk in taken
            else s.name
        )


class QuotaForm(forms.Form):
    """A quota row: which days and session it covers, and its places per session."""

    group = forms.ModelChoiceField(
        label=_("Service group"),
        queryset=ServiceGroup.objects.none(),
        empty_label=None,
        error_messages={
            "required": _("Choose the service group."),
            "invalid_choice": _("Choose a service group of this office."),
        },
    )
    weekday = forms.TypedChoiceField(
        label=_("Weekday"),
        choices=[("", _("Every day")), *((d.value, d.label) for d in WEEKDAYS)],
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": _("Choose a weekday from Monday to Sunday.")},
    )
    date = forms.DateField(
        label=_("Or one date"),
        required=False,
        help_text=_("Leave empty for a rule that repeats (every day or every week)."),
        widget=_DATE_WIDGET,
        error_messages={"invalid": _("Enter a valid date, e.g. 17-08-2026.")},
    )
    session_start = forms.TimeField(
        label=_("Session start"),
        required=False,
        help_text=_("Leave empty to give every session of the day these places."),
        widget=_TIME_WIDGET,
        error_messages={"invalid": _("Enter the time the session starts, e.g. 08.00.")},
    )
    online_limit = forms.IntegerField(
        label=_("Online bookings per session"),
        error_messages={
            "required": _("Enter the online bookings per session (0 for none)."),
            "invalid": _("Enter the online bookings per session as a whole number."),
        },
        widget=forms.NumberInput(attrs={"min": 0, "max": MAX_LIMIT, "inputmode": "numeric"}),
    )
    walkin_limit = forms.IntegerField(
        label=_("Walk-in tickets per session"),
        error_messages={
            "required": _("Enter the walk-in tickets per session (0 for none)."),
            "invalid": _("Enter the walk-in tickets per session as a whole number."),
        },
        widget=forms.NumberInput(attrs={"min": 0, "max": MAX_LIMIT, "inputmode": "numeric"}),
    )

    def __init__(self, *args, groups, quota=None, **kwargs):
        """``groups``: the office's service groups (the choices); ``quota``: the row edited."""
        kwargs.setdefault("prefix", "kuota")
        if quota is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "group": quota.group_id,
                "weekday": quota.weekday,
                "date": quota.date,
                "session_start": quota.session_start,
                "online_limit": quota.online_limit,
                "walkin_limit": quota.walkin_limit,
            }
        super().__init__(*args, **kwargs)
        self.quota = quota
        self.fields["group"].queryset = groups


class QueueSettingsForm(forms.Form):
    """The office's queue rules; labels, help texts, choices and ranges come from ``QueueSettings``."""

    def __init__(self, *args, rules: QueueSettings | None = None, **kwargs):
        """``rules``: the office's current rules (the initial values)."""
        kwargs.setdefault("prefix", "aturan")
        if rules is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(rules, name) for name in SETTINGS_FIELDS}
        super().__init__(*args, **kwargs)
        for name in SETTINGS_FIELDS:
            model_field = QueueSettings._meta.get_field(name)
            field = model_field.formfield()
            if isinstance(field, forms.IntegerField):
                # The ranges are checked by the service (the model's validators); the browser gets them as hints.
                field.widget.attrs["inputmode"] = "numeric"
                for validator in model_field.validators:
                    if isinstance(validator, MinValueValidator):
                        field.widget.attrs["min"] = validator.limit_value
                    elif isinstance(validator, MaxValueValidator):
                        field.widget.attrs["max"] = validator.limit_value
            self.fields[name] = field
