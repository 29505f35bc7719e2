from django.contrib import admin
from django.contrib.auth.models import Group

from wenming.common.admin_base import ScopedAdmin
from wenming.common.models import AuditEvent, CalendarDay


@admin.register(CalendarDay)
class CalendarDayAdmin(ScopedAdmin):
    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAdmin):
    list_display = ["created_at", "action", "summary", "actor"]
    list_filter = ["action"]
    search_fields = ["summary"]
    readonly_fields = ["created_at", "action", "summary", "data", "actor"]

    # The audit log is append-only, even for administrators.
    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Wenming's rights come from role assignments (wenming.common.access), not from Django's groups.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)
