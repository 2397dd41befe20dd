"""Forms of the staff pages: they parse input; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from loket.offices.services import SessionSpec

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
