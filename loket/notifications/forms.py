"""Forms of the notification pages. They only parse input; the rules live in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from loket.notifications.models import Channel

NO_CHANNEL = ""


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the message"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )


class LoginStartForm(forms.Form):
    login = forms.CharField(
        label=_("NIK or mobile number"),
        max_length=32,
        help_text=_("Your 16-digit NIK, or the mobile number you verified in your account."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )


def _choices(required: bool):
    choices = [(c.value, c.label) for c in Channel]
    return choices if required else [(NO_CHANNEL, _("(none)")), *choices]


class PreferenceForm(forms.Form):
    first = forms.ChoiceField(label=_("First choice"), choices=_choices(True))
    second = forms.ChoiceField(label=_("If that fails"), choices=_choices(False), required=False)
    third = forms.ChoiceField(label=_("Then"), choices=_choices(False), required=False)

    def channels(self) -> list[str]:
        data = self.cleaned_data
        return [c for c in (data.get("first"), data.get("second"), data.get("third")) if c]
