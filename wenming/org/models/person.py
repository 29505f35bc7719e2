from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wenming.common.roles import UNIT_ROLES, Role

__all__ = ["Person", "Role", "RoleAssignment", "UNIT_ROLES"]


class Person(AbstractUser):
    """Anyone who logs in: command-centre staff, unit staff, leaders, grid workers, inspectors."""

    display_name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=30, blank=True)
    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="members", verbose_name=_("unit")
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleAssignment(models.Model):
    """A role a person holds, scoped to exactly one unit or one area."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles", verbose_name=_("person"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="role_assignments",
        verbose_name=_("unit scope"),
    )
    area = models.ForeignKey(
        "org.Area", null=True, blank=True, on_delete=models.CASCADE, related_name="role_assignments",
        verbose_name=_("area scope"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.CheckConstraint(
                condition=(Q(unit__isnull=False) & Q(area__isnull=True)) | (Q(unit__isnull=True) & Q(area__isnull=False)),
                name="role_scope_is_unit_or_area",
            ),
            models.UniqueConstraint(fields=["person", "role", "unit", "area"], name="role_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()} · {self.unit or self.area}"
