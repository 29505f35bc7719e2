"""Only the business items (事项 and their time limits) are configured here. Windows are set up on the window pages;
matters, ratings, complaints and rankings are written by the services alone."""

from django.contrib import admin

from wenming.common.admin_base import ScopedAdmin

from .models import BusinessItem


@admin.register(BusinessItem)
class BusinessItemAdmin(ScopedAdmin):
    list_display = ["code", "name", "limit_unit", "legal_limit", "commitment_limit", "is_active"]
    search_fields = ["code", "name"]
    list_filter = ["limit_unit", "is_active"]
