"""Admin screens go through the same access path as every page: ``restrict`` and ``can``.

Django's per-model permissions are not used: who may look at a model, and which rows, comes from
``wenming.common.access.RULES``; only administrators change anything (the command centre also manages the
campaign's tasks), only administrators delete, and records with a history (``EVENTED_MODELS``) are deleted
by nobody. A row outside the person's scope is missing in the admin too (its change page redirects like a
deleted object's). Every addition, change and deletion made here is in the audit log, field by field, in the
transaction that made it.
"""

from itertools import islice

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.utils import NestedObjects
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wenming.common.access import CHANGE, DELETE, RULES, VIEW, can, restrict, scope_for
from wenming.common.auth import LoginThrottleMixin, ThrottledPasswordChangeForm
from wenming.common.services.audit import audit_changes, audit_object_change, audit_values

# Records with an append-only history, or that such a history points at: deleted by nobody, administrators
# included (their foreign keys are PROTECT too, so no cascade takes them either). The one list; tests read it.
EVENTED_MODELS = frozenset({
    "cases.case", "cases.caseevent", "cases.evidence", "cases.followup", "cases.supervisionnotice",
    "cases.exposure", "cases.caseimport", "cases.webhookdelivery",
    "public.publicreport", "api.open311report",
    "campaign.campaign", "campaign.action", "campaign.taskforce", "campaign.task", "campaign.milestone",
    "campaign.progressreport", "campaign.progressevidence", "campaign.taskevent", "campaign.meeting",
    "campaign.targetline", "campaign.targetevidence",
    "scoring.scoresnapshot", "scoring.scorecorrection", "scoring.redblacklist", "scoring.accountabilityrecord",
    "scoring.accountabilityfollowup",
    "evaluation.criterionevent",
    "evaluation.riskrecord", "evaluation.riskevent", "evaluation.riskevidence", "evaluation.riskplanrevision",
    "evaluation.assessmentperiod", "evaluation.ledgerentry", "evaluation.ledgerevidence", "evaluation.ledgerevent",
    "evaluation.reviewround", "evaluation.reviewitem", "evaluation.reviewevent",
    "inspections.round", "inspections.roundevent", "inspections.assignment", "inspections.result",
    "inspections.storefrontcheck", "inspections.storefrontcheckitem", "inspections.storefrontnotice",
    "inspections.storefrontevent",
    "inspections.patrol", "inspections.patrolcheckin", "inspections.patrolfinding", "inspections.patrolevent",
    "evaluation.materialevent", "evaluation.materialsubmission", "evaluation.materialfile",
    "selections.callevent", "selections.nominationevent", "selections.voteevent", "credit.creditevent",
    "volunteers.volunteerevent", "windows.windowevent", "windows.competitionevent",
    "common.auditevent",
})
# Most rows a deletion's audit entry lists of those that went with it.
_CASCADE_LISTED = 200


class WenmingAdminAuthenticationForm(LoginThrottleMixin, AdminAuthenticationForm):
    def confirm_login_allowed(self, user):
        if not user.is_active or not scope_for(user).is_staff:
            raise ValidationError(_("This account holds no role in Wenming."), code="invalid_login")


class WenmingAdminSite(admin.AdminSite):
    login_form = WenmingAdminAuthenticationForm

    def has_permission(self, request):
        return request.user.is_active and scope_for(request.user).is_staff

    def password_change(self, request, extra_context=None):
        """Django's page, with a wrong old password counted against the account like a failed login."""
        request.current_app = self.name
        return PasswordChangeView.as_view(
            form_class=ThrottledPasswordChangeForm,
            success_url=reverse("admin:password_change_done", current_app=self.name),
            extra_context={**self.each_context(request), **(extra_context or {})},
            template_name=self.password_change_template or "registration/password_change_form.html",
        )(request)


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
        if self.model._meta.label_lower in EVENTED_MODELS:
            return False
        return can(request.user, self.model, DELETE)

    def get_queryset(self, request):
        return restrict(super().get_queryset(request), request.user, VIEW)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        _scoped_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        _scoped_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def _pending(request) -> dict:
    """What a change page saved so far, per object, until Django logs it: the values before, the inline rows."""
    if not hasattr(request, "_wenming_audit"):
        request._wenming_audit = {}
    return request._wenming_audit


def _key(obj) -> tuple:
    return obj._meta.label_lower, obj.pk


def audit_before(request, obj) -> None:
    """Remember the stored values of ``obj`` before a change (read from the database, not from the form)."""
    stored = type(obj)._default_manager.filter(pk=obj.pk).first()
    _pending(request).setdefault(_key(obj), {})["before"] = audit_values(stored) if stored is not None else {}


class AuditedChanges:
    """Every addition, change and deletion in the admin writes an audit entry with the fields' old and new
    values (secrets redacted) and the inline rows changed with it. Django's views run these hooks inside the
    transaction that saves the change, so the entry and the change commit together."""

    def save_model(self, request, obj, form, change):
        if change:
            audit_before(request, obj)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # Inline rows as stored, read before the formsets write over them.
        stored = []
        for formset in formsets:
            rows = {id(f.instance): f.instance.pk for f in formset.initial_forms if f.instance.pk is not None}
            values = {o.pk: audit_values(o) for o in formset.model._default_manager.filter(pk__in=rows.values())}
            stored.append((rows, values))
        super().save_related(request, form, formsets, change)
        related = []
        for formset, (rows, values) in zip(formsets, stored, strict=True):
            label = formset.model._meta.label_lower
            for obj in formset.new_objects:
                related.append({"model": label, "verb": "add", "object": obj.pk,
                                "changes": audit_changes({}, audit_values(obj))})
            for obj, _fields in formset.changed_objects:
                related.append({"model": label, "verb": "change", "object": obj.pk,
                                "changes": audit_changes(values.get(obj.pk, {}), audit_values(obj))})
            for obj in formset.deleted_objects:
                pk = rows.get(id(obj))
                related.append({"model": label, "verb": "delete", "object": pk,
                                "changes": audit_changes(values.get(pk, {}), {})})
        _pending(request).setdefault(_key(form.instance), {})["related"] = related

    def log_addition(self, request, obj, message):
        pending = _pending(request).pop(_key(obj), {})
        audit_object_change(actor=request.user, verb="add", obj=obj, changes=audit_changes({}, audit_values(obj)),
                            related=pending.get("related"))
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        pending = _pending(request).pop(_key(obj), {})
        before = pending.get("before")
        changes = audit_changes(before, audit_values(obj)) if before is not None else {}
        audit_object_change(actor=request.user, verb="change", obj=obj, changes=changes,
                            related=pending.get("related"))
        return super().log_change(request, obj, message)

    def delete_model(self, request, obj):
        # What goes with it (cascades) is listed too; the PROTECT foreign keys already refused what must stay.
        collector = NestedObjects(using=router.db_for_write(type(obj)))
        collector.collect([obj])
        cascaded = list(islice((
            {"model": model._meta.label_lower, "verb": "delete", "object": row.pk, "repr": str(row)[:200]}
            for model, rows in collector.data.items() if not model._meta.auto_created
            for row in rows if not (model is type(obj) and row.pk == obj.pk)
        ), _CASCADE_LISTED))
        values, pk, shown = audit_values(obj), obj.pk, str(obj)
        super().delete_model(request, obj)
        audit_object_change(actor=request.user, verb="delete", obj=obj, object_pk=pk, object_repr=shown,
                            changes=audit_changes(values, {}), related=cascaded)

    def delete_queryset(self, request, queryset):
        # One by one, so each deletion is audited; all or nothing.
        with transaction.atomic(using=router.db_for_write(self.model)):
            for obj in queryset:
                self.delete_model(request, obj)


class ScopedAdmin(ScopedPermissions, AuditedChanges, admin.ModelAdmin):
    """A model admin whose rows and rights come from ``wenming.common.access``, and whose changes are audited."""


class ScopedTabularInline(ScopedPermissions, admin.TabularInline):
    """An inline with the same rules: without this, Django would ask for per-model permissions nobody holds."""
