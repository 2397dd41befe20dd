"""Form fields for identity numbers: they accept what people type (spaces, dots, dashes) and
return the bare 16 digits, or a clear Indonesian error."""

from django import forms
from django.utils.translation import gettext_lazy as _

from loket.regions.validators import normalize_identity_number, validate_kk, validate_nik


class _IdentityNumberField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)  # 16 digits plus the separators people type
        kwargs.setdefault("strip", True)
        super().__init__(**kwargs)

    def to_python(self, value):
        return normalize_identity_number(super().to_python(value))

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "numeric", "autocomplete": "off", "pattern": r"[0-9 .\-]*"})
        return attrs


class NikField(_IdentityNumberField):
    """A NIK (16 digits). ``cleaned_data`` holds the normalised digits."""

    default_validators = [validate_nik]

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("NIK"))
        kwargs.setdefault("help_text", _("16 digits, as printed on the KTP-el or Kartu Keluarga."))
        super().__init__(**kwargs)


class KkField(_IdentityNumberField):
    """A nomor Kartu Keluarga (16 digits). ``cleaned_data`` holds the normalised digits."""

    default_validators = [validate_kk]

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("KK number"))
        kwargs.setdefault("help_text", _("16 digits, at the top of the Kartu Keluarga."))
        super().__init__(**kwargs)
