"""Forms of the accounts pages. They only parse input; the rules live in services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from loket.core.policy import Role


class LoginForm(forms.Form):
    login = forms.CharField(
        label=_("NIK or username"),
        max_length=64,
        help_text=_("Citizens: your 16-digit NIK. Officers: your username."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class RegisterForm(forms.Form):
    nik = forms.CharField(
        label=_("NIK"),
        max_length=32,
        help_text=_("The 16-digit number on your KTP-el or Kartu Keluarga."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=30,
        help_text=_("For example 0812 3456 7890. We send notices about your requests here."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label=_("Email (optional)"), required=False)
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password (again)"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ: type the same password twice."))
        return data


class GrantRoleForm(forms.Form):
    username = forms.CharField(label=_("Officer's username"), max_length=32)
    office = forms.ModelChoiceField(label=_("Office"), queryset=None)
    role = forms.ChoiceField(label=_("Role"), choices=())
    title = forms.CharField(
        label=_("Position title (for signers)"),
        max_length=100,
        required=False,
        help_text=_("Printed under the signature, e.g. 'Lurah Sawah'."),
    )

    def __init__(self, *args, offices, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices
        self.fields["role"].choices = [(r, Role(r).label) for r in roles]


class RevokeRoleForm(forms.Form):
    officer_role = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class CreateOfficerForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=32)
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    nip = forms.CharField(label=_("NIP (optional)"), max_length=18, required=False)
    phone = forms.CharField(label=_("Mobile phone number (optional)"), max_length=30, required=False)
    email = forms.EmailField(label=_("Email (optional)"), required=False)
    password = forms.CharField(
        label=_("Initial password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
