"""Forms of the staff pages: they parse input; the services decide what is allowed."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from loket.offices.models import Day, HolidayKind
from loket.offices.services import RuleSpec, SessionSpec
from loket.regions.selectors import get_region

SESSION_ROWS = 3


class ExceptionForm(forms.Form):
    """Closed all day, or open only with the given sessions (special opening or changed hours)."""

    CLOSED = "closed"
    OPEN = "open"

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    mode = forms.ChoiceField(
        label=_("What happens that day"),
        choices=[
            (CLOSED, _("Closed all day")),
            (OPEN, _("Open only at the hours below (special opening or changed hours)")),
        ],
        initial=CLOSED,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (shown to citizens)"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("E.g. Staff meeting, Weekend service")}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, SESSION_ROWS + 1):
            self.fields[f"opens_{i}"] = forms.TimeField(
                label=_("Session %(n)s opens") % {"n": i},
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
            self.fields[f"closes_{i}"] = forms.TimeField(
                label=_("Session %(n)s closes") % {"n": i},
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
            self.fields[f"label_{i}"] = forms.CharField(
                label=_("Session %(n)s name (optional)") % {"n": i}, required=False, max_length=80
            )

    def session_rows(self):
        """(opens, closes, label) bound fields for each session row, for the template."""
        return [(self[f"opens_{i}"], self[f"closes_{i}"], self[f"label_{i}"]) for i in range(1, SESSION_ROWS + 1)]

    def clean(self):
        data = super().clean()
        sessions = []
        for i in range(1, SESSION_ROWS + 1):
            opens, closes = data.get(f"opens_{i}"), data.get(f"closes_{i}")
            if opens is None and closes is None:
                continue
            if opens is None or closes is None:
                self.add_error(
                    f"closes_{i}" if closes is None else f"opens_{i}",
                    _("Session %(n)s needs both an opening and a closing time.") % {"n": i},
                )
                continue
            sessions.append(SessionSpec(opens=opens, closes=closes, label=data.get(f"label_{i}", "")))
        data["sessions"] = sessions
        data["is_closed"] = data.get("mode") == self.CLOSED
        if data["is_closed"] and sessions:
            self.add_error(
                "mode", _("You chose 'closed all day' but also entered hours. Choose 'open' or clear the hours.")
            )
        if data.get("mode") == self.OPEN and not sessions and not self.errors:
            self.add_error("opens_1", _("Enter at least one session with an opening and a closing time."))
        return data


# --- weekly hours -------------------------------------------------------------------------

MAX_DAY_TEXT = 500
MAX_LABEL = 80

# One session: "08.00-12.00", "8:00 – 12:00", "19.00 s/d 22.00", "8-12" (whole hours), optionally "(name)".
_SESSION_RE = re.compile(
    r"^(?P<opens>\d{1,2}(?:[.:]\d{2})?)\s*(?:-|–|—|s/d|s\.d\.?|sampai)\s*(?P<closes>\d{1,2}(?:[.:]\d{2})?)"
    r"(?:\s*\((?P<label>[^()]*)\))?$",
    re.IGNORECASE,
)


def _split_sessions(text: str) -> list[str]:
    """Split on commas, semicolons and new lines that are not inside a "(name)"."""
    parts, current, depth = [], [], 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        if char in ",;\n" and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _parse_time(text: str, *, closing: bool) -> dt.time | None:
    hours_text, _sep, minutes_text = text.replace(":", ".").partition(".")
    hours, minutes = int(hours_text), int(minutes_text or 0)
    if closing and hours == 24 and minutes == 0:
        return dt.time(0, 0)  # "24.00": the session ends at midnight
    if hours > 23 or minutes > 59:
        return None
    return dt.time(hours, minutes)


def format_sessions(rules) -> str:
    """The text a petugas would type for these rules, e.g. "08.00-12.00, 19.00-22.00 (Layanan malam)"."""
    return ", ".join(
        f"{r.opens:%H.%M}-{r.closes:%H.%M}" + (f" ({r.label})" if r.label else "")
        for r in sorted(rules, key=lambda r: r.opens)
    )


def parse_day(text: str, day_name: str) -> list[SessionSpec]:
    """Parse one day's text into sessions; raise ``ValidationError`` naming the day and the problem."""
    sessions = []
    for part in _split_sessions(text):
        match = _SESSION_RE.match(part)
        if match is None:
            raise forms.ValidationError(
                _(
                    "%(day)s: “%(part)s” cannot be read. Write each session as opening and closing time, "
                    "e.g. 08.00-12.00, and separate sessions with a comma."
                )
                % {"day": day_name, "part": part}
            )
        opens = _parse_time(match["opens"], closing=False)
        closes = _parse_time(match["closes"], closing=True)
        for raw, value in ((match["opens"], opens), (match["closes"], closes)):
            if value is None:
                raise forms.ValidationError(
                    _(
                        "%(day)s: “%(time)s” is not a time of day. Hours go from 00 to 23 and minutes "
                        "from 00 to 59, e.g. 08.00."
                    )
                    % {"day": day_name, "time": raw}
                )
        label = (match["label"] or "").strip()
        if opens == closes:
            raise forms.ValidationError(
                _(
                    "%(day)s: the session %(session)s opens and closes at the same time. Enter a "
                    "later closing time (an earlier one means the session ends after midnight)."
                )
                % {"day": day_name, "session": part}
            )
        if len(label) > MAX_LABEL:
            raise forms.ValidationError(
                _("%(day)s: a session name can be at most %(max)s characters long.")
                % {"day": day_name, "max": MAX_LABEL}
            )
        sessions.append(SessionSpec(opens=opens, closes=closes, label=label))
    _check_day_overlap(sessions, day_name)
    return sessions


def _minutes(session: SessionSpec) -> tuple[int, int]:
    start = session.opens.hour * 60 + session.opens.minute
    end = session.closes.hour * 60 + session.closes.minute
    return start, end if end > start else end + 24 * 60


def _check_day_overlap(sessions: list[SessionSpec], day_name: str) -> None:
    ordered = sorted(sessions, key=_minutes)
    for first, second in zip(ordered, ordered[1:], strict=False):
        if _minutes(second)[0] < _minutes(first)[1]:
            raise forms.ValidationError(
                _(
                    "%(day)s: the sessions %(first)s and %(second)s overlap. Change the times so one "
                    "session ends before the next begins."
                )
                % {
                    "day": day_name,
                    "first": f"{first.opens:%H.%M}-{first.closes:%H.%M}",
                    "second": f"{second.opens:%H.%M}-{second.closes:%H.%M}",
                }
            )


class WeeklyHoursForm(forms.Form):
    """One text field per day (Monday..Sunday, then public holidays); empty means closed."""

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        by_day: dict[int, list] = {}
        for rule in rules:
            by_day.setdefault(rule.day, []).append(rule)
        for day in Day:
            self.fields[self.field_name(day)] = forms.CharField(
                label=day.label,
                required=False,
                max_length=MAX_DAY_TEXT,
                initial=format_sessions(by_day.get(day.value, [])),
                widget=forms.TextInput(
                    attrs={"placeholder": _("Closed"), "autocomplete": "off", "spellcheck": "false"}
                ),
            )

    @staticmethod
    def field_name(day: int) -> str:
        return f"day_{int(day)}"

    def day_fields(self):
        return [self[self.field_name(day)] for day in Day]

    def clean(self):
        data = super().clean()
        specs = []
        for day in Day:
            name = self.field_name(day)
            if name not in data:
                continue  # already failed (e.g. too long)
            try:
                sessions = parse_day(data[name], str(day.label))
            except forms.ValidationError as error:
                self.add_error(name, error)
                continue
            specs.extend(RuleSpec(day=day.value, opens=s.opens, closes=s.closes, label=s.label) for s in sessions)
        data["rules"] = specs
        return data


# --- holidays -----------------------------------------------------------------------------

MAX_HOLIDAY_NAME = 150
_DATE_ERRORS = {
    "required": _("Enter the date of the holiday."),
    "invalid": _("Enter a valid date, e.g. 17-08-2026."),
}
_NAME_ERRORS = {
    "required": _("Enter the name of the holiday, e.g. 'Hari Jadi Kota'."),
    "max_length": _("The holiday's name can be at most %(limit_value)d characters long."),
}


class _RegionCodeField(forms.CharField):
    """A region code; whether the actor may use it is decided by the service, not here."""

    def clean(self, value):
        code = super().clean(value).strip()
        if not code:
            return None
        region = get_region(code)
        if region is None:
            raise forms.ValidationError(
                _("There is no region with the code “%(code)s”. Enter a Kemendagri code, e.g. 36.74 or 36.74.04.")
                % {"code": code}
            )
        return region


class LocalClosureForm(forms.Form):
    """Close the offices of one region (and the regions inside it) on one date."""

    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages=_DATE_ERRORS,
    )
    name = forms.CharField(
        label=_("Name (shown to citizens)"),
        max_length=MAX_HOLIDAY_NAME,
        error_messages=_NAME_ERRORS,
        widget=forms.TextInput(attrs={"placeholder": _("E.g. Hari Jadi Kota")}),
    )
    region = _RegionCodeField(
        label=_("Region"),
        error_messages={"required": _("Choose the region whose offices are closed.")},
        help_text=_("The offices of this region and of every region inside it are closed that day."),
    )

    def __init__(self, *args, region_choices=None, **kwargs):
        """``region_choices``: (code, label) pairs shown as a list; None shows a code box (system admins)."""
        kwargs.setdefault("prefix", "lokal")
        super().__init__(*args, **kwargs)
        if region_choices is not None:
            self.fields["region"].widget = forms.Select(choices=region_choices)
        else:
            self.fields["region"].widget = forms.TextInput(
                attrs={"placeholder": _("E.g. 36.74"), "spellcheck": "false"}
            )


class NationalDayForm(forms.Form):
    """System admins: add a national holiday or cuti bersama day, or cancel one (SKB revisions)."""

    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages=_DATE_ERRORS,
    )
    name = forms.CharField(label=_("Name"), max_length=MAX_HOLIDAY_NAME, error_messages=_NAME_ERRORS)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (HolidayKind.NATIONAL.value, HolidayKind.NATIONAL.label),
            (HolidayKind.CUTI_BERSAMA.value, HolidayKind.CUTI_BERSAMA.label),
        ],
        initial=HolidayKind.NATIONAL.value,
    )
    cancelled = forms.BooleanField(
        label=_("Cancel this day: it is no longer a holiday of this kind"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "nasional")
        super().__init__(*args, **kwargs)
