"""Only the registers themselves are configured here (name, owning department, case categories, target). Records,
figures, imports and checks are written by the services alone and read on the register pages."""

from django.contrib import admin

from wenming.common.admin_base import ScopedAdmin

from .models import Registry


@admin.register(Registry)
class RegistryAdmin(ScopedAdmin):
    list_display = ["code", "name", "kind", "owner_unit", "target_percent"]
    search_fields = ["code", "name"]
    filter_horizontal = ["categories"]
