from django import forms
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from wenming.common.access import scope_for
from wenming.common.admin_base import ScopedAdmin, ScopedTabularInline
from wenming.common.roles import COMMAND_OR_ADMIN

from .models import (
    Case,
    CaseEvent,
    CaseImport,
    CaseImportMapping,
    Category,
    EscalationPolicy,
    Evidence,
    Facility,
    RoutingRule,
    TimeLimit,
    Webhook,
    WebhookDelivery,
)
from .services.webhooks import webhook_delivery_retry


class TimeLimitInline(ScopedTabularInline):
    model = TimeLimit
    extra = 0


@admin.register(Category)
class CategoryAdmin(ScopedAdmin):
    list_display = ["code", "name", "kind", "parent", "facility_radius_m", "local_duty", "storefront_duty", "is_active"]
    list_filter = ["kind", "is_active", "storefront_duty", "actions"]
    search_fields = ["code", "name", "plain_name"]
    autocomplete_fields = ["parent"]
    filter_horizontal = ["facility_classes"]  # the campaign actions are linked on the action's page (campaign)
    inlines = [TimeLimitInline]
    list_select_related = ["parent"]


@admin.register(TimeLimit)
class TimeLimitAdmin(ScopedAdmin):
    list_display = ["category", "urgency", "stage", "amount", "unit"]
    list_filter = ["urgency", "stage", "unit"]
    search_fields = ["category__code", "category__name"]
    autocomplete_fields = ["category"]
    list_select_related = ["category"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(ScopedAdmin):
    list_display = ["category", "area", "site_type", "unit", "priority", "is_active"]
    list_filter = ["is_active", "site_type"]
    search_fields = ["category__code", "category__name", "unit__name", "area__name"]
    autocomplete_fields = ["category", "area", "unit"]
    list_select_related = ["category", "area", "site_type", "unit"]


class EscalationPolicyForm(forms.ModelForm):
    class Meta:
        model = EscalationPolicy
        fields = ["remind_before_hours", "yellow_after_hours", "red_after_hours"]

    def clean(self):
        data = super().clean()
        for name in self.Meta.fields:
            if data.get(name) is not None and data[name] < 0:
                self.add_error(name, _("Give zero or more working hours."))
        yellow, red = data.get("yellow_after_hours"), data.get("red_after_hours")
        if yellow is not None and red is not None and yellow >= 0 and red < yellow:
            self.add_error("red_after_hours", _("The red card comes at or after the yellow card: give at least %(hours)s "
                                                "working hours.") % {"hours": yellow})
        return data


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(ScopedAdmin):
    """The city's one escalation policy: changed here (audited), never added twice, never deleted."""

    form = EscalationPolicyForm
    list_display = ["__str__", "remind_before_hours", "yellow_after_hours", "red_after_hours"]

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request) and not EscalationPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Facility)
class FacilityAdmin(ScopedAdmin):
    list_display = ["code", "category", "owner_unit", "maintainer_unit", "state", "in_use"]
    list_filter = ["state", "in_use", "category"]
    search_fields = ["code"]
    autocomplete_fields = ["category", "area", "owner_unit", "maintainer_unit"]
    list_select_related = ["category", "owner_unit", "maintainer_unit"]


# -- cases: read-only here. Cases change only through the workflow services; events are append-only. -------

class ReadOnlyMixin:
    """Nobody adds, changes or deletes these rows in the admin, administrators included.

    Only the command centre and administrators look at cases here: everyone else has the workbench, which
    masks the reporter's phone and the undercover inspectors' names.
    """

    def has_module_permission(self, request):
        return bool(scope_for(request.user).roles & COMMAND_OR_ADMIN)

    def has_view_permission(self, request, obj=None):
        return bool(scope_for(request.user).roles & COMMAND_OR_ADMIN)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseEventInline(ReadOnlyMixin, ScopedTabularInline):
    model = CaseEvent
    fields = ["seq", "created_at", "action", "actor", "from_state", "to_state", "note"]
    readonly_fields = fields
    ordering = ["seq"]
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class EvidenceInline(ReadOnlyMixin, ScopedTabularInline):
    model = Evidence
    fields = ["kind", "file_link", "content_type", "size", "taken_at", "uploaded_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    @admin.display(description=_("file"))
    def file_link(self, obj):
        # Through the access-checked view, never a public media URL.
        return format_html('<a href="{}">{}</a>', reverse("cases:evidence", args=[obj.pk, "shared"]), obj.sha256[:12])


@admin.register(Case)
class CaseAdmin(ReadOnlyMixin, ScopedAdmin):
    list_display = ["number", "tracking_code", "state", "category", "urgency", "unit", "reported_at"]
    list_filter = ["state", "channel", "urgency"]
    search_fields = ["tracking_code", "description", "address"]
    list_select_related = ["category", "unit"]
    show_full_result_count = False
    inlines = [CaseEventInline, EvidenceInline]
    exclude = ["routing"]
    readonly_fields = ["routing_reason"]

    # A model property has no verbose name: without this the column reads "NUMBER" in any language.
    @admin.display(description=_("Number"))
    def number(self, obj):
        return obj.number

    @admin.display(description=_("routing decision"))
    def routing_reason(self, obj):
        return (obj.routing or {}).get("reason", "")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "routing"] + ["routing_reason"]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyMixin, ScopedAdmin):
    list_display = ["case", "seq", "action", "actor", "from_state", "to_state", "created_at"]
    list_filter = ["action"]
    search_fields = ["case__tracking_code", "note"]
    list_select_related = ["case", "actor"]
    show_full_result_count = False
    readonly_fields = ["case", "seq", "action", "actor", "from_state", "to_state", "note", "data", "created_at"]

    def get_actions(self, request):
        return {}


# -- outbound webhooks: configured by administrators; the delivery log is read-only. -------------------------

class WebhookDeliveryInline(ScopedTabularInline):
    model = WebhookDelivery
    fields = ["event", "state", "attempts", "last_status", "last_error", "created_at", "delivered_at"]
    readonly_fields = fields
    ordering = ["-id"]
    extra = 0
    max_num = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("event")


@admin.register(Webhook)
class WebhookAdmin(ScopedAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # a URL typed without a scheme
    list_display = ["name", "url", "is_active", "actions"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    inlines = [WebhookDeliveryInline]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ScopedAdmin):
    list_display = ["id", "webhook", "event_action", "state", "attempts", "last_status", "next_attempt_at", "delivered_at"]
    list_filter = ["state", "webhook"]
    list_select_related = ["webhook", "event"]
    readonly_fields = ["webhook", "event", "state", "attempts", "next_attempt_at", "last_status", "last_error",
                       "last_response", "duration_ms", "created_at", "delivered_at"]
    show_full_result_count = False
    actions = ["retry"]

    @admin.display(description=_("event"))
    def event_action(self, obj):
        return f"{obj.event.case_id} · {obj.event.action}"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send the failed deliveries again"))
    def retry(self, request, queryset):
        ids = list(queryset.filter(state=WebhookDelivery.State.FAILED).values_list("pk", flat=True))
        for pk in ids:
            webhook_delivery_retry(delivery_id=pk)
        self.message_user(request, _("%(n)d deliveries queued again.") % {"n": len(ids)})


# -- bulk case imports: mappings are configuration; the log is read-only. ------------------------------------

@admin.register(CaseImportMapping)
class CaseImportMappingAdmin(ScopedAdmin):
    list_display = ["name", "channel", "crs", "default_category", "is_active"]
    list_filter = ["channel", "is_active"]
    search_fields = ["name"]


@admin.register(CaseImport)
class CaseImportAdmin(ScopedAdmin):
    list_display = ["created_at", "file_name", "mapping", "actor", "dry_run", "strict", "accepted", "skipped", "refused"]
    list_filter = ["mapping", "strict"]
    list_select_related = ["mapping", "actor"]
    readonly_fields = ["mapping", "file_name", "actor", "dry_run", "strict", "accepted", "skipped", "refused", "rows",
                       "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
