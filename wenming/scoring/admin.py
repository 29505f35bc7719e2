from django.contrib import admin
from django.core.exceptions import ValidationError

from wenming.common.admin_base import ScopedAdmin
from wenming.common.errors import WorkflowError

from .models import AccountabilityRecord, IndexVersion, RedBlackList, ScoreSnapshot
from .services.scores import validate_weights


@admin.register(IndexVersion)
class IndexVersionAdmin(ScopedAdmin):
    """Weights per version. A version a snapshot used is read-only: the city adds a new version instead."""

    list_display = ["subject", "name", "effective_from", "effective_to", "min_volume", "used_at"]
    list_filter = ["subject"]
    readonly_fields = ["used_at", "created_by"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.used_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.used_at is not None:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        def clean_weights(self):
            weights = self.cleaned_data.get("weights")
            try:
                validate_weights(self.cleaned_data.get("subject") or getattr(self.instance, "subject", "unit"), weights)
            except WorkflowError as error:
                raise ValidationError(str(error)) from None
            return weights

        form.clean_weights = clean_weights
        return form


@admin.register(ScoreSnapshot)
class ScoreSnapshotAdmin(ScopedAdmin):
    """Read-only. Rows come through the access path (an inspectors' ranking is the command centre's)."""

    list_display = ["subject", "period", "start", "status", "index_version", "published_at"]
    list_filter = ["subject", "period", "status"]
    # The per-case evidence is read on the explanation pages, not here.
    exclude = ["evidence"]
    readonly_fields = [f.name for f in ScoreSnapshot._meta.fields if f.name != "evidence"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RedBlackList)
class RedBlackListAdmin(ScoreSnapshotAdmin):
    list_display = ["snapshot", "status", "size", "published_at"]
    list_filter = ["status"]
    exclude = ()
    readonly_fields = [f.name for f in RedBlackList._meta.fields]


@admin.register(AccountabilityRecord)
class AccountabilityRecordAdmin(ScoreSnapshotAdmin):
    """Read-only here: records are made and followed up on their pages, where every change is logged."""

    list_display = ["kind", "title", "unit", "status", "due_date"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "unit__name"]
    exclude = ()
    readonly_fields = [f.name for f in AccountabilityRecord._meta.fields]
