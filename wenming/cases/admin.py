from django.contrib import admin

from wenming.common.admin_base import ScopedAdmin

from .models import Category, Facility, RoutingRule, TimeLimit


class TimeLimitInline(admin.TabularInline):
    model = TimeLimit
    extra = 0


@admin.register(Category)
class CategoryAdmin(ScopedAdmin):
    list_display = ["code", "name", "kind", "parent", "facility_radius_m", "local_duty", "is_active"]
    list_filter = ["kind", "is_active", "actions"]
    search_fields = ["code", "name", "plain_name"]
    autocomplete_fields = ["parent"]
    filter_horizontal = ["actions", "facility_classes"]
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


@admin.register(Facility)
class FacilityAdmin(ScopedAdmin):
    list_display = ["code", "category", "owner_unit", "maintainer_unit", "state", "in_use"]
    list_filter = ["state", "in_use", "category"]
    search_fields = ["code"]
    autocomplete_fields = ["category", "area", "owner_unit", "maintainer_unit"]
    list_select_related = ["category", "owner_unit", "maintainer_unit"]
