from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wenming.common.input import db_id
from wenming.common.models import Notification
from wenming.common.pagination import paginate


@login_required
def notification_list(request):
    rows = Notification.objects.filter(recipient=request.user, channel=Notification.Channel.IN_APP).order_by("-created_at", "-id")
    return render(request, "common/notifications.html", {"page": paginate(request, rows)})


@login_required
@require_POST
def notification_read(request):
    """Mark one (``id``) or all of the person's in-app notifications read; only their own rows are touched.

    ``next`` is followed only when it is a path on this site: a link elsewhere (``//host``, ``javascript:``) or
    anything that is not a path (a view name, text with a line break) goes to the list.
    """
    rows = Notification.objects.filter(recipient=request.user, channel=Notification.Channel.IN_APP, read_at__isnull=True)
    if request.POST.get("id"):
        pk = db_id(request.POST["id"])
        if pk is None:
            return HttpResponseBadRequest(_("Notification: no such notification."), content_type="text/plain; charset=utf-8")
        rows = rows.filter(pk=pk)
    rows.update(read_at=timezone.now())
    target = request.POST.get("next") or ""
    if (target.startswith("/") and target.isprintable()
            and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())):
        return HttpResponseRedirect(target)
    return redirect("notifications")
