"""Only the sources (department, kinds, the API key its system pushes with) and the joint-discipline measures are
configured here. Subjects, records, imports and logs are written by the services alone and read on the credit
pages."""

from django.contrib import admin

from wenming.common.admin_base import ScopedAdmin

from .models import CreditSource, JointMeasure


@admin.register(CreditSource)
class CreditSourceAdmin(ScopedAdmin):
    list_display = ["code", "name", "owner_unit", "kinds", "api_key"]
    search_fields = ["code", "name"]
    raw_id_fields = ["owner_unit", "api_key"]


@admin.register(JointMeasure)
class JointMeasureAdmin(ScopedAdmin):
    list_display = ["measure", "kind", "unit"]
    search_fields = ["measure"]
    raw_id_fields = ["unit"]
