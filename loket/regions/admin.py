"""Regions come from the Kemendagri list (``manage.py import_regions``, which records an audit row):
the admin can look them up but not add, change or delete them."""

from django.contrib import admin

from loket.regions.models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "is_current")
    list_filter = ("level", "is_current")
    search_fields = ("^code", "name")
    list_select_related = ("parent",)
    fields = ("code", "name", "level", "parent", "is_current")
    ordering = ("code",)
    show_full_result_count = False
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
