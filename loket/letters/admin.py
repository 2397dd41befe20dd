"""Django admin for letters. Settings and templates are saved and templates deleted through
``loket.letters.services`` (the same validation, permission check and audit row as everywhere else):
a refusal shows as the form's error, in Indonesian; a template letters were issued from cannot be
deleted. Deleting office settings is audited by ``AuditedAdminMixin``. Issued letters are read-only."""

from __future__ import annotations

import base64

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from loket.audit.admin import AuditedAdminMixin
from loket.core.errors import DomainError
from loket.letters import services
from loket.letters.models import Letter, LetterTemplate, OfficeLetterSettings
from loket.letters.selectors import allowed_placeholders
from loket.letters.templating import STANDARD_PLACEHOLDERS


class OfficeLetterSettingsForm(forms.ModelForm):
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    class Meta:
        model = OfficeLetterSettings
        fields = ("office", *services.SETTINGS_FIELDS, "logo")
        widgets = {"logo": forms.FileInput(attrs={"accept": "image/png,image/jpeg"})}

    actor = None  # set by the admin for the request

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        upload = data.get("logo") if "logo" in self.changed_data else None
        try:
            services.check_office_settings(
                actor=self.actor, office=data["office"], settings=services.LetterSettings.from_form(data, logo=upload)
            )
        except DomainError as exc:
            raise ValidationError(str(exc.message), code=exc.code) from exc
        return data


@admin.register(OfficeLetterSettings)
class OfficeLetterSettingsAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = OfficeLetterSettingsForm
    list_display = ("office", "unit_code", "number_format", "place_name", "updated_at")
    search_fields = ("office__name", "unit_code")
    raw_id_fields = ("office",)
    readonly_fields = ("logo_preview", "updated_at")
    fieldsets = (
        (None, {"fields": ("office",)}),
        (
            _("Letterhead"),
            {
                "fields": (
                    "government_line",
                    "unit_lines",
                    "address_line",
                    "contact_line",
                    "logo",
                    "logo_preview",
                    "remove_logo",
                )
            },
        ),
        (_("Numbering and date line"), {"fields": ("unit_code", "number_format", "place_name", "updated_at")}),
    )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    @admin.display(description=_("current logo"))
    def logo_preview(self, obj):
        # The logo lives in the private storage (no URL): shown inline, never linked.
        if not obj or not obj.logo:
            return _("No logo")
        with obj.logo.open("rb") as handle:
            content = handle.read()
        kind = "jpeg" if content.startswith(b"\xff\xd8") else "png"
        return format_html(
            '<img src="data:image/{};base64,{}" alt="" style="max-height:80px">',
            kind,
            base64.b64encode(content).decode(),
        )

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        upload = data.get("logo") if "logo" in form.changed_data else None
        saved = services.save_office_settings(
            actor=request.user,
            office=data["office"],
            settings=services.LetterSettings.from_form(data, logo=upload),
            remove_logo=bool(data.get("remove_logo")),
        )
        obj.pk = saved.pk  # the admin redirects to and logs the saved row (audited by the service)


class LetterTemplateForm(forms.ModelForm):
    class Meta:
        model = LetterTemplate
        fields = ("service", "office", "classification_code", "title", "body")
        widgets = {"body": forms.Textarea(attrs={"rows": 24, "cols": 100, "style": "font-family: monospace"})}

    actor = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            cleaned = services.check_template(
                actor=self.actor,
                service=data["service"],
                office=data.get("office"),
                classification_code=data.get("classification_code", ""),
                title=data.get("title", ""),
                body=data.get("body", ""),
                template=self.instance if self.instance.pk else None,
            )
        except DomainError as exc:
            raise ValidationError(str(exc.message), code=exc.code) from exc
        data.update(cleaned)
        return data


@admin.register(LetterTemplate)
class LetterTemplateAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = LetterTemplateForm
    list_display = ("title", "service", "office", "classification_code", "updated_at")
    list_filter = ("classification_code",)
    search_fields = ("title", "service__name", "service__code", "office__name")
    raw_id_fields = ("office",)
    autocomplete_fields = ("service",)
    readonly_fields = ("placeholders", "updated_at")
    fields = ("service", "office", "classification_code", "title", "body", "placeholders", "updated_at")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    @admin.display(description=_("allowed placeholders"))
    def placeholders(self, obj):
        keys = allowed_placeholders(obj.service) if obj and obj.service_id else list(STANDARD_PLACEHOLDERS)
        return ", ".join("{{ " + key + " }}" for key in keys)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.save_template(
            actor=request.user,
            service=data["service"],
            office=data.get("office"),
            classification_code=data["classification_code"],
            title=data["title"],
            body=data["body"],
            template=obj if obj.pk else None,
        )
        obj.pk = saved.pk  # audited by the service

    def delete_model(self, request, obj):
        # Through the service: its permission check, its refusal while letters use the template, its
        # audit row (letters.template.delete, with the deleted text).
        services.delete_template(actor=request.user, template=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for template in queryset:
                services.delete_template(actor=request.user, template=template)


@admin.register(Letter)
class LetterAdmin(admin.ModelAdmin):
    """Issued letters are records: shown, never added, changed or deleted here."""

    list_display = ("number", "title", "office", "issued_on", "signer_name", "reference")
    list_filter = ("year", "series")
    search_fields = ("number", "reference", "signer_name", "office__name")
    date_hierarchy = "issued_on"
    fields = (
        "number",
        "title",
        "office",
        "service",
        "template",
        "series",
        "year",
        "sequence",
        "issued_on",
        "signer_on_behalf",
        "signer_title",
        "signer_name",
        "signer_nip",
        "reference",
        "values",
        "pdf_sha256",
        "created_at",
        "created_by",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
