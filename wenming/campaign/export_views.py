"""The campaign's workbooks: the task list (filtered as the REST list is) and one task's workbook. Staff only,
through the same access path as the pages; read-only, so nothing is written to the audit log (no export is)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from wenming.campaign import exports
from wenming.campaign.models import Task, TaskKind, TaskStatus
from wenming.common.access import can, get_or_404
from wenming.common.db_router import replica_reads
from wenming.common.files import content_disposition
from wenming.common.input import BoundedDateField
from wenming.common.tabular import XLSX


class TaskFilterForm(forms.Form):
    """The task list's filters, named as the REST API names them (``GET /api/v1/tasks/``)."""

    campaign = forms.CharField(label=gettext_lazy("Campaign"), max_length=32, required=False)
    action = forms.CharField(label=gettext_lazy("Action"), max_length=16, required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=[("", "")] + TaskStatus.choices, required=False)
    lead_unit = forms.CharField(label=gettext_lazy("Lead unit"), max_length=64, required=False)
    unit = forms.CharField(label=gettext_lazy("Unit"), max_length=64, required=False)
    task_force = forms.CharField(label=gettext_lazy("Task force"), max_length=16, required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=[("", "")] + TaskKind.choices, required=False)
    due_after = BoundedDateField(label=gettext_lazy("Deadline from"), required=False)
    due_before = BoundedDateField(label=gettext_lazy("Deadline to"), required=False)
    q = forms.CharField(label=gettext_lazy("Search"), max_length=100, required=False)


def _viewer(request) -> None:
    if not can(request.user, Task):
        raise Http404


def _xlsx(data: bytes, name: str, fallback: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition("attachment", name, fallback=fallback)
    return response


@replica_reads
@require_safe
@login_required
def tasks_export(request):
    """The campaign's tasks as XLSX, filtered by the query's filters (those of ``GET /api/v1/tasks/``)."""
    _viewer(request)
    form = TaskFilterForm(request.GET)
    if not form.is_valid():
        # Without the wrong filter the file would hold more tasks than were asked for.
        errors = "; ".join(m for field in form.errors.values() for m in field)
        messages.error(request, _("Not exported: %(errors)s") % {"errors": errors})
        return redirect("campaign:overview")
    filters = form.cleaned_data
    campaign = exports.campaign_named(filters["campaign"])
    if campaign is None:
        raise Http404
    today = timezone.localdate()
    rows = exports.tasks_filtered(user=request.user, campaign=campaign, filters=filters, today=today)
    stamp = f"{timezone.localtime():%Y%m%d-%H%M}"
    return _xlsx(exports.task_list_workbook(rows, today=today), f"{campaign.name} {_('tasks')}-{stamp}.xlsx",
                 f"tasks-{campaign.code}-{stamp}.xlsx")


@replica_reads
@require_safe
@login_required
def task_export(request, pk: int):
    """One task's workbook: its fields, figures and milestones, its progress reports and its target list."""
    _viewer(request)
    task = get_or_404(exports.task_rows(user=request.user), request.user, pk=pk)
    today = timezone.localdate()
    return _xlsx(exports.task_workbook(task, today=today, user=request.user), f"{_('task')} {task.code}.xlsx", f"task-{task.code}.xlsx")
