from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.common.admin_base import ScopedAdmin
from wenming.common.errors import WorkflowError

from .models import ApiKey, Open311Report
from .services.keys import _hash, api_key_channel_check, api_key_revoke, new_secret


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["name", "person", "channel", "is_active"]

    def clean(self):
        cleaned = super().clean()
        channel = cleaned.get("channel")
        if channel and "person" not in self.errors:
            try:
                api_key_channel_check(person=cleaned.get("person"), channel=channel)
            except WorkflowError as exc:
                self.add_error("channel", str(exc))
        return cleaned


@admin.register(ApiKey)
class ApiKeyAdmin(ScopedAdmin):
    """Issue a key by adding one: the key is shown once, on the next page, and only its hash is kept. Its channel is
    one its person's roles report on (``api_key_channel_check``)."""

    form = ApiKeyForm

    list_display = ["name", "prefix", "person", "channel", "is_active", "created_at", "revoked_at"]
    list_filter = ["channel", "is_active"]
    search_fields = ["name", "prefix", "person__username"]
    readonly_fields = ["prefix", "created_at", "revoked_at"]
    autocomplete_fields = ["person"]
    fields = ["name", "person", "channel", "is_active", "prefix", "created_at", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if not change:
            prefix, secret = new_secret()
            obj.prefix, obj.key_hash = prefix, _hash(secret)
            super().save_model(request, obj, form, change)
            messages.warning(request, _("The new API key is %(key)s. Copy it now: it is not shown again.")
                             % {"key": f"{prefix}.{secret}"})
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=gettext_lazy("Revoke the selected keys"))
    def revoke(self, request, queryset):
        keys = list(queryset.filter(is_active=True).values_list("pk", flat=True))
        for key_id in keys:
            api_key_revoke(key_id=key_id, actor=request.user)
        count = len(keys)
        messages.success(request, _("%(count)d keys revoked.") % {"count": count})


@admin.register(Open311Report)
class Open311ReportAdmin(ScopedAdmin):
    list_display = ["case", "api_key", "media_url"]
    readonly_fields = ["case", "api_key", "media_url", "email", "device_id", "account_id"]
    list_select_related = ["case", "api_key"]
