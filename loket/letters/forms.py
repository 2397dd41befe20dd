"""Forms of the office admin's letter pages: they parse input; ``loket.letters.services`` decides what
is allowed (lengths, braces, placeholders, the logo) and says what to fix."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from loket.core.errors import DomainError
from loket.letters import numbering
from loket.letters.models import DEFAULT_NUMBER_FORMAT, LetterTemplate, OfficeLetterSettings
from loket.letters.services import MAX_UNIT_LINES, SETTINGS_FIELDS, LetterSettings
from loket.letters.templating import MAX_BODY, MAX_TITLE

_TEXT = {"autocomplete": "off"}
_CODE = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}


def _domain_error(error: DomainError) -> forms.ValidationError:
    return forms.ValidationError(str(error.message), code=error.code)


class OfficeLetterSettingsForm(forms.Form):
    """An office's letterhead (kop surat) and letter numbering."""

    government_line = forms.CharField(
        label=_("Government line"),
        help_text=_("The first line of the letterhead, in capitals, e.g. PEMERINTAH KOTA PADANG."),
        error_messages={"required": _("Enter the government line, e.g. PEMERINTAH KOTA PADANG.")},
        widget=forms.TextInput(attrs={**_TEXT, "maxlength": 120}),
    )
    unit_lines = forms.CharField(
        label=_("Unit lines"),
        help_text=format_lazy(
            _("One line each, at most {max}, e.g. KECAMATAN PADANG UTARA and KELURAHAN GUNUNG PANGILUN."),
            max=MAX_UNIT_LINES,
        ),
        error_messages={"required": _("Enter at least one unit line, e.g. KELURAHAN GUNUNG PANGILUN.")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    address_line = forms.CharField(
        label=_("Address"),
        help_text=_("Street, number, area and postal code, as under the letterhead."),
        error_messages={"required": _("Enter the office's address.")},
        widget=forms.TextInput(attrs={**_TEXT, "maxlength": 255}),
    )
    contact_line = forms.CharField(
        label=_("Contact"),
        required=False,
        help_text=_("Phone, e-mail and website; may be left empty."),
        widget=forms.TextInput(attrs={**_TEXT, "maxlength": 255}),
    )
    place_name = forms.CharField(
        label=_("Place name"),
        help_text=_("The place in the date line above the signature, e.g. Padang."),
        error_messages={"required": _("Enter the place name of the date line, e.g. Padang.")},
        widget=forms.TextInput(attrs={**_TEXT, "maxlength": 80}),
    )
    unit_code = forms.CharField(
        label=_("Unit code"),
        help_text=_("The office's code in letter numbers, e.g. Kel.GP."),
        error_messages={"required": _("Enter the unit code used in letter numbers, e.g. Kel.GP.")},
        widget=forms.TextInput(attrs={**_CODE, "maxlength": 30}),
    )
    number_format = forms.CharField(
        label=_("Number format"),
        initial=DEFAULT_NUMBER_FORMAT,
        error_messages={"required": _("Enter a number format, e.g. {kode}/{nomor:03}/{unit}/{bulan_romawi}/{tahun}.")},
        widget=forms.TextInput(attrs={**_CODE, "maxlength": 120}),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("The regional emblem, PNG or JPEG, at most 1 MB. Leave empty to keep the current logo."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    def __init__(self, *args, current: OfficeLetterSettings | None = None, **kwargs):
        """``current``: the office's settings (the initial values), None before the first save."""
        kwargs.setdefault("prefix", "kop")
        if current is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(current, name) for name in SETTINGS_FIELDS}
        super().__init__(*args, **kwargs)
        self.current = current

    def letter_settings(self) -> LetterSettings:
        """What was typed, as the services take it (after ``is_valid()``)."""
        return LetterSettings.from_form(self.cleaned_data, logo=self.cleaned_data["logo"])

    def clean_number_format(self) -> str:
        value = self.cleaned_data["number_format"].strip()
        try:
            numbering.validate_number_format(value)
        except DomainError as error:
            raise _domain_error(error) from error
        return value


class LetterTemplateForm(forms.Form):
    """The office's own letter template of one service: classification code, title and body."""

    classification_code = forms.CharField(
        label=_("Classification code"),
        help_text=_("Kode klasifikasi arsip: digits and dots, e.g. 470 or 500.16. It is also the letter's series."),
        required=False,
        widget=forms.TextInput(attrs={**_CODE, "maxlength": 20, "inputmode": "decimal"}),
    )
    title = forms.CharField(
        label=_("Title"),
        help_text=_("Plain text, usually in capitals, e.g. SURAT KETERANGAN USAHA."),
        required=False,
        widget=forms.TextInput(attrs={**_TEXT, "maxlength": MAX_TITLE}),
    )
    body = forms.CharField(
        label=_("Body"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "maxlength": MAX_BODY, "spellcheck": "false"}),
    )

    def __init__(self, *args, start: LetterTemplate | None = None, **kwargs):
        """``start``: the template whose text fills the form (the office's own or the default)."""
        kwargs.setdefault("prefix", "templat")
        if start is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "classification_code": start.classification_code,
                "title": start.title,
                "body": start.body,
            }
        super().__init__(*args, **kwargs)
