from django.contrib import admin

from wenming.common.admin_base import ScopedAdmin, ScopedTabularInline

from .models import Action, Campaign


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
