"""Read-only admin lists of the follow-up ratings (回访, the source of 满意率) and of the public reports'
moderation marks. Records are written by the services only."""

from django.contrib import admin

from wenming.cases.admin import ReadOnlyMixin
from wenming.cases.models import FollowUp
from wenming.common.admin_base import ScopedAdmin

from .models import PublicReport


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyMixin, ScopedAdmin):
    list_display = ["case", "round", "rating", "fixed", "channel", "decision", "created_at"]
    list_filter = ["rating", "fixed", "channel", "decision"]
    list_select_related = ["case"]
    search_fields = ["case__tracking_code", "comment"]


@admin.register(PublicReport)
class PublicReportAdmin(ReadOnlyMixin, ScopedAdmin):
    list_display = ["case", "phone_verified", "network", "created_at"]
    list_filter = ["phone_verified"]
    list_select_related = ["case"]
    search_fields = ["case__tracking_code", "network"]
