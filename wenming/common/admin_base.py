"""Admin screens go through the same access path as every page: ``restrict`` and ``can``.

Django's per-model permissions are not used: who may look at a model, and which rows, comes from
``wenming.common.access.RULES``; only administrators change anything. A row outside the person's scope is
missing in the admin too (its change page redirects like a deleted object's).
"""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wenming.common.access import CHANGE, RULES, VIEW, can, restrict, scope_for
from wenming.common.auth import LoginThrottleMixin


class WenmingAdminAuthenticationForm(LoginThrottleMixin, AdminAuthenticationForm):
    def confirm_login_allowed(self, user):
        if not user.is_active or not scope_for(user).is_staff:
            raise ValidationError(_("This account holds no role in Wenming."), code="invalid_login")


class WenmingAdminSite(admin.AdminSite):
    login_form = WenmingAdminAuthenticationForm

    def has_permission(self, request):
        return request.user.is_active and scope_for(request.user).is_staff


def _scoped_choices(db_field, request, kwargs):
    """Choices for a relation offer only rows the person may see (for models that have an access rule)."""
    model = db_field.remote_field.model
    if "queryset" not in kwargs and model._meta.label_lower in RULES:
        kwargs["queryset"] = restrict(model._default_manager.all(), request.user, VIEW)


class ScopedPermissions:
    """Rights from ``can``: every role with a view rule looks, administrators change."""

    def has_module_permission(self, request):
        return can(request.user, self.model, VIEW)

    def has_view_permission(self, request, obj=None):
        return can(request.user, self.model, VIEW)

    def has_change_permission(self, request, obj=None):
        return can(request.user, self.model, CHANGE)

    def has_add_permission(self, request, *args):
        return can(request.user, self.model, CHANGE)

    def has_delete_permission(self, request, obj=None):
        return can(request.user, self.model, CHANGE)

    def get_queryset(self, request):
        return restrict(super().get_queryset(request), request.user, VIEW)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        _scoped_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        _scoped_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ScopedAdmin(ScopedPermissions, admin.ModelAdmin):
    """A model admin whose rows and rights come from ``wenming.common.access``."""


class ScopedTabularInline(ScopedPermissions, admin.TabularInline):
    """An inline with the same rules: without this, Django would ask for per-model permissions nobody holds."""
