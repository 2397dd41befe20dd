"""Django admin for notifications.

Message texts are edited through ``services.check_template`` / ``save_template`` (the variables
check, the permission check, the audit row): a refusal shows as the form's error, in Indonesian.
Kinds of message are fixed in code, so rows are neither added nor deleted here; "reset to the
default text" puts the shipped text back.

The outbox and its attempts are records, read-only, filtered by status, channel and template so
that staff find the *uncertain* and *failed* messages. A message holding a one-time code shows
its redacted text only. "Send again" (``services.resend``) is the one change, for a failed or
uncertain message a staff member has checked.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from loket.core.errors import DomainError
from loket.notifications import services, templating
from loket.notifications.models import ContactPreference, DeliveryAttempt, MessageTemplate, Notification


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ("text", "subject", "active")
        widgets = {"text": forms.Textarea(attrs={"rows": 5, "cols": 80})}

    actor = None  # set by the admin for the request

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            cleaned = services.check_template(
                actor=self.actor,
                key=self.instance.key,
                text=data.get("text", ""),
                subject=data.get("subject", ""),
                active=bool(data.get("active")),
            )
        except DomainError as exc:
            raise ValidationError(str(exc.message), code=exc.code) from exc
        data.update(cleaned)
        return data


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ("key", "active", "text", "updated_at", "updated_by")
    list_filter = ("active",)
    fields = ("key", "variables", "text", "subject", "active", "updated_at", "updated_by")
    readonly_fields = ("key", "variables", "updated_at", "updated_by")
    actions = ("reset_to_default",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("allowed variables"))
    def variables(self, obj):
        if not obj or not obj.key:
            return ""
        return "; ".join(f"{{{{ {name} }}}}: {text}" for name, text in templating.kind(obj.key).variables.items())

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        services.save_template(
            actor=request.user, key=obj.key, text=data["text"], subject=data["subject"], active=data["active"]
        )  # audited by the service

    @admin.action(description=_("Reset to the default text"))
    def reset_to_default(self, request, queryset):
        try:
            for row in queryset:
                services.reset_template(actor=request.user, key=row.key)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("number", "channel", "worker", "started_at", "finished_at", "outcome", "error", "provider_id")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("pk", "template", "channel", "status", "recipient", "attempts", "created_at", "sent_at")
    list_filter = ("status", "channel", "template")
    search_fields = ("event_key", "provider_id", "to_phone", "to_email")
    date_hierarchy = "created_at"
    inlines = (DeliveryAttemptInline,)
    actions = ("send_again",)
    fields = (
        "template",
        "event_key",
        "recipient",
        "to_phone",
        "to_email",
        "subject",
        "message_text",
        "scrubbed_at",
        "channels",
        "channel",
        "status",
        "attempts",
        "channel_attempts",
        "possibly_sent",
        "next_attempt_at",
        "expires_at",
        "claimed_by",
        "claimed_until",
        "provider_id",
        "created_at",
        "sent_at",
        "delivered_at",
        "last_error",
    )
    readonly_fields = fields

    @admin.display(description=_("text"))
    def message_text(self, obj):
        return obj.shown_text  # never an unscrubbed one-time code

    @admin.action(description=_("Send again (checked: it did not arrive)"))
    def send_again(self, request, queryset):
        done = 0
        for row in queryset:
            try:
                services.resend(actor=request.user, notification=row)
            except DomainError as exc:
                self.message_user(request, f"#{row.pk}: {exc.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, _("%(count)s message(s) will be sent again.") % {"count": done})


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnlyAdmin):
    list_display = ("notification", "number", "channel", "outcome", "started_at", "finished_at", "error")
    list_filter = ("outcome", "channel", "notification__template")
    search_fields = ("provider_id", "notification__event_key")
    raw_id_fields = ("notification",)


@admin.register(ContactPreference)
class ContactPreferenceAdmin(ReadOnlyAdmin):
    list_display = ("user", "channels", "verified_phone", "phone_verified_at", "email_verified_at")
    search_fields = ("verified_phone",)
    raw_id_fields = ("user",)
