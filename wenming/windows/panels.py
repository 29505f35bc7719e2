"""The case page's 窗口 panel (registered with ``cases.panels`` in ``WindowsConfig.ready``): on a complaint about
window service, which window it is about — linked from its QR code or by the command centre — and, for the command
centre, the form to link it (windows at the case's site first) or to remove a link it made."""

from __future__ import annotations

from django.db.models import Case as CaseWhen
from django.db.models import IntegerField, Value, When

from wenming.cases.panels import CasePanel
from wenming.common.access import restrict, scope_for
from wenming.common.roles import COMMAND_OR_ADMIN
from wenming.windows.forms import ComplaintLinkForm, ComplaintUnlinkForm
from wenming.windows.models import ServiceWindow, WindowComplaint
from wenming.windows.services.links import NOT_LINKABLE_STATES, complaint_category

MAX_CHOICES = 500  # a city's counters; beyond that the list would be unusable anyway


def window_link_panel(case, user) -> CasePanel | None:
    scope = scope_for(user)
    if not scope.is_staff:
        return None
    link = WindowComplaint.objects.select_related("window__site", "window__unit", "linked_by").filter(
        case_id=case.pk).first()
    linker = bool(scope.roles & COMMAND_OR_ADMIN)
    if link is None and not (linker and complaint_category(case) and case.state not in NOT_LINKABLE_STATES):
        return None
    context = {"case": case, "link": link, "linker": linker,
               "window_visible": link is not None and restrict(ServiceWindow.objects.all(), user)
               .filter(pk=link.window_id).exists()}
    if link is None:
        windows = (restrict(ServiceWindow.objects.select_related("site", "unit"), user).filter(is_active=True)
                   .annotate(here=CaseWhen(When(site_id=case.site_id, then=Value(0)), default=Value(1),
                                        output_field=IntegerField()))
                   .order_by("here", "site__name", "number", "pk")[:MAX_CHOICES])
        context["form"] = ComplaintLinkForm(windows=list(windows), initial={"version": case.version})
    elif linker and link.linked_by_id is not None:
        context["unlink_form"] = ComplaintUnlinkForm(initial={"version": case.version})
    return CasePanel(key="window-link", template="windows/_case_panel.html", context=context)
