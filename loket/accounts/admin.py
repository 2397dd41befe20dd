"""Django admin for configuration: users with their roles inline. NIKs are masked in lists."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import OfficerRole, User
from loket.audit.services import record


class OfficerRoleInline(admin.TabularInline):
    model = OfficerRole
    extra = 0
    fields = ("role", "office", "region", "title", "is_active")
    raw_id_fields = ("office", "region")


class LoketUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


class LoketUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "kind", "full_name", "nik")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = LoketUserChangeForm
    add_form = LoketUserCreationForm
    inlines = [OfficerRoleInline]
    list_display = ("display_login", "full_name", "kind", "nip", "is_active", "is_staff")
    list_filter = ("kind", "is_active", "is_staff")
    search_fields = ("username", "full_name", "nip")
    ordering = ("full_name",)
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password", "kind", "full_name", "nik", "nip", "phone", "email")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "kind", "full_name", "nik", "password1", "password2")}),
    )
    filter_horizontal = ("groups", "user_permissions")

    @admin.display(description=_("username / NIK"), ordering="username")
    def display_login(self, obj: User) -> str:
        return obj.masked_nik if obj.is_citizen else obj.username

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record(
            actor=request.user,
            action="admin.change_user" if change else "admin.add_user",
            obj=obj,
            data={"fields": sorted(f for f in form.changed_data if f not in ("password", "password1", "password2"))},
        )

    def save_formset(self, request, form, formset, change):
        instances = formset.save()
        for role in instances:
            record(
                actor=request.user,
                action="admin.change_role",
                obj=role,
                to_state=f"{role.role}{'' if role.is_active else ' (revoked)'}",
                office_id=role.office_id,
            )
        for role in formset.deleted_objects:
            record(actor=request.user, action="admin.delete_role", obj=role, from_state=role.role)
