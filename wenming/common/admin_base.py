"""Admin screens go through the same access path as every page: ``restrict`` and ``can``."""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wenming.common.access import CHANGE, VIEW, can, restrict, scope_for


class WenmingAdminAuthenticationForm(AdminAuthenticationForm):
    def confirm_login_allowed(self, user):
        if not user.is_active or not scope_for(user).is_staff:
            raise ValidationError(_("This account holds no role in Wenming."), code="invalid_login")


class WenmingAdminSite(admin.AdminSite):
    login_form = WenmingAdminAuthenticationForm

    def has_permission(self, request):
        return request.user.is_active and scope_for(request.user).is_staff


class ScopedAdmin(admin.ModelAdmin):
    """Rows and rights from ``wenming.common.access``; Django's per-model permissions are not used."""

    def get_queryset(self, request):
        return restrict(super().get_queryset(request), request.user, VIEW)

    def has_module_permission(self, request):
        return can(request.user, self.model, VIEW)

    def has_view_permission(self, request, obj=None):
        return can(request.user, self.model, VIEW)

    def has_change_permission(self, request, obj=None):
        return can(request.user, self.model, CHANGE)

    def has_add_permission(self, request):
        return can(request.user, self.model, CHANGE)

    def has_delete_permission(self, request, obj=None):
        return can(request.user, self.model, CHANGE)
