from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from wenming.common.admin_base import ScopedAdmin, ScopedTabularInline

from .models import (
    Area,
    Person,
    ResponsibilityGrid,
    RoadChief,
    RoadSegment,
    RoleAssignment,
    Site,
    SiteType,
    StorefrontDuty,
    Unit,
)


@admin.register(Area)
class AreaAdmin(ScopedAdmin):
    list_display = ["code", "name", "level", "parent", "default_unit"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "default_unit", "responsibility_grid"]
    readonly_fields = ["path", "lng", "lat", "area_m2"]
    list_select_related = ["parent", "default_unit"]
    show_full_result_count = False


@admin.register(ResponsibilityGrid)
class ResponsibilityGridAdmin(ScopedAdmin):
    list_display = ["code", "name", "kind", "community"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["community", "workers"]
    list_select_related = ["community"]


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    list_display = ["code", "name", "kind", "parent", "area", "contact_name", "contact_phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "area"]
    readonly_fields = ["path"]
    list_select_related = ["parent", "area"]


class RoleAssignmentInline(ScopedTabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["unit", "area"]


@admin.register(Person)
class PersonAdmin(ScopedAdmin, UserAdmin):
    list_display = ["username", "display_name", "unit", "phone", "is_active"]
    list_filter = ["is_active", "roles__role"]
    search_fields = ["username", "display_name", "phone"]
    autocomplete_fields = ["unit"]
    inlines = [RoleAssignmentInline]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["display_name", "phone", "email", "unit"]}),
        (_("Status"), {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["username", "display_name", "unit", "password1", "password2"]})]
    readonly_fields = ["last_login", "date_joined"]
    list_select_related = ["unit"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # Those who only look do not see even the summary of a password hash.
            fieldsets = [(name, {**opts, "fields": [f for f in opts["fields"] if f != "password"]}) for name, opts in fieldsets]
        return fieldsets


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ScopedAdmin):
    list_display = ["person", "role", "unit", "area"]
    list_filter = ["role"]
    search_fields = ["person__username", "person__display_name"]
    autocomplete_fields = ["person", "unit", "area"]
    list_select_related = ["person", "unit", "area"]


@admin.register(SiteType)
class SiteTypeAdmin(ScopedAdmin):
    list_display = ["code", "name", "surround_radius_m", "sort"]
    search_fields = ["code", "name"]


@admin.register(Site)
class SiteAdmin(ScopedAdmin):
    list_display = ["code", "name", "site_type", "area", "guarantor_unit", "is_active"]
    list_filter = ["site_type", "is_active"]
    search_fields = ["code", "name", "address"]
    autocomplete_fields = ["area", "guarantor_unit"]
    readonly_fields = ["lng", "lat"]
    list_select_related = ["site_type", "area", "guarantor_unit"]


class RoadChiefInline(ScopedTabularInline):
    model = RoadChief
    extra = 0
    autocomplete_fields = ["person", "unit"]


@admin.register(RoadSegment)
class RoadSegmentAdmin(ScopedAdmin):
    list_display = ["code", "name", "road_class", "area"]
    list_filter = ["road_class"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["area"]
    inlines = [RoadChiefInline]
    list_select_related = ["area"]


@admin.register(RoadChief)
class RoadChiefAdmin(ScopedAdmin):
    list_display = ["segment", "level", "name", "unit"]
    list_filter = ["level"]
    search_fields = ["name", "segment__name"]
    autocomplete_fields = ["segment", "person", "unit"]
    list_select_related = ["segment", "unit"]


@admin.register(StorefrontDuty)
class StorefrontDutyAdmin(ScopedAdmin):
    list_display = ["code", "shop_name", "address", "supervising_unit", "area"]
    search_fields = ["code", "shop_name", "licence_no", "address"]
    autocomplete_fields = ["area", "road", "supervising_unit"]
    list_select_related = ["supervising_unit", "area"]
