from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from wenming.common.access import DELETE, can
from wenming.common.admin_base import ScopedAdmin, ScopedTabularInline, audit_before

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
from .services.people import PersonHasRecords, person_deactivate, person_delete, person_references


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
    # Deleting people in bulk is not offered: each deletion is checked for records, one person at a time.
    actions = ["deactivate_selected"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # Those who only look do not see even the summary of a password hash.
            fieldsets = [(name, {**opts, "fields": [f for f in opts["fields"] if f != "password"]}) for name, opts in fieldsets]
        return fieldsets

    # -- people who acted are deactivated (停用), never deleted -------------------------------------------------

    def _references(self, obj) -> list[str]:
        if not hasattr(obj, "_wenming_references"):
            obj._wenming_references = person_references(person=obj)
        return obj._wenming_references

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or not self._references(obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and can(request.user, Person, DELETE) and self._references(obj):
            return self._refuse_deletion(request, PersonHasRecords(obj, self._references(obj)))
        try:
            return super().delete_view(request, object_id, extra_context)
        except PersonHasRecords as refusal:  # a record appeared since the page was shown: nothing was deleted
            return self._refuse_deletion(request, refusal)

    def _refuse_deletion(self, request, refusal: PersonHasRecords):
        self.message_user(request, str(refusal), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:org_person_change", args=[refusal.person.pk]))

    def delete_model(self, request, obj):
        person_delete(person_id=obj.pk, actor=request.user)

    def get_urls(self):
        deactivate = path("<path:object_id>/deactivate/", self.admin_site.admin_view(self.deactivate_view),
                          name="org_person_deactivate")
        return [deactivate, *super().get_urls()]

    def deactivate_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        if obj.pk == request.user.pk:  # the last administrator must not lock everyone out by a slip
            self.message_user(request, gettext_now("You cannot deactivate your own account: ask another "
                                                   "administrator."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:org_person_change", args=[obj.pk]))
        person_deactivate(person_id=obj.pk, actor=request.user)
        self.message_user(request, gettext_now("%(person)s is deactivated: the login stops, every record stays.")
                          % {"person": obj}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:org_person_change", args=[obj.pk]))

    @admin.action(description=_("Deactivate the selected people (停用)"), permissions=["change"])
    def deactivate_selected(self, request, queryset):
        ids = list(queryset.filter(is_active=True).exclude(pk=request.user.pk).values_list("pk", flat=True))
        with transaction.atomic(using=router.db_for_write(Person)):
            for pk in ids:
                person_deactivate(person_id=pk, actor=request.user)
        self.message_user(request, ngettext("%(count)d person deactivated.", "%(count)d people deactivated.",
                                           len(ids)) % {"count": len(ids)}, messages.SUCCESS)

    def user_change_password(self, request, id, form_url=""):
        if request.method != "POST":
            return super().user_change_password(request, id, form_url)
        # Django's view saves and logs outside a transaction: here the change and its audit entry commit together.
        with transaction.atomic(using=router.db_for_write(Person)):
            obj = self.get_object(request, unquote(id))
            if obj is not None:
                audit_before(request, obj)
            return super().user_change_password(request, id, form_url)


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
    list_display = ["code", "name", "site_type", "area", "guarantor_unit", "operator_unit", "is_active"]
    list_filter = ["site_type", "is_active"]
    search_fields = ["code", "name", "address"]
    autocomplete_fields = ["area", "guarantor_unit", "operator_unit"]
    readonly_fields = ["lng", "lat"]
    list_select_related = ["site_type", "area", "guarantor_unit", "operator_unit"]


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
