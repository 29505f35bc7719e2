from django.contrib import admin

from wenming.common.admin_base import ScopedAdmin, ScopedTabularInline

from .models import Action, Campaign, Meeting, Milestone, ProgressReport, Task, TaskForce


class ActionInline(ScopedTabularInline):
    model = Action
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(ScopedAdmin):
    list_display = ["code", "name", "starts_on", "ends_on"]
    search_fields = ["code", "name"]
    inlines = [ActionInline]


@admin.register(Action)
class ActionAdmin(ScopedAdmin):
    list_display = ["code", "name", "kind", "campaign", "sort"]
    list_filter = ["kind", "campaign"]
    search_fields = ["code", "name"]
    filter_horizontal = ["categories"]


class MilestoneInline(ScopedTabularInline):
    model = Milestone
    extra = 0


@admin.register(TaskForce)
class TaskForceAdmin(ScopedAdmin):
    list_display = ["code", "name", "leader", "campaign", "sort"]
    list_filter = ["campaign"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["leader"]
    filter_horizontal = ["members", "actions"]


@admin.register(Task)
class TaskAdmin(ScopedAdmin):
    list_display = ["code", "title", "kind", "action", "lead_unit", "due_on", "target_kind", "target_value", "current_value"]
    list_filter = ["kind", "campaign", "action", "target_kind", "measure"]
    search_fields = ["code", "title"]
    readonly_fields = ["current_value", "last_reported_at", "completed_on"]
    filter_horizontal = ["cooperating_units"]
    raw_id_fields = ["lead_unit", "owner", "meeting"]
    inlines = [MilestoneInline]


@admin.register(ProgressReport)
class ProgressReportAdmin(ScopedAdmin):
    """Reports are append-only: shown, never changed or deleted here."""

    list_display = ["task", "unit", "value", "reported_by", "reported_at"]
    list_filter = ["task__action"]
    search_fields = ["task__code", "narrative"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Meeting)
class MeetingAdmin(ScopedAdmin):
    list_display = ["week_start", "held_on", "chair", "campaign"]
    list_filter = ["campaign"]
    readonly_fields = ["agenda"]
