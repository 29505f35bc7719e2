from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from wenming.common.models import Notification
from wenming.common.pagination import paginate


@login_required
def notification_list(request):
    rows = Notification.objects.filter(recipient=request.user, channel=Notification.Channel.IN_APP).order_by("-created_at", "-id")
    return render(request, "common/notifications.html", {"page": paginate(request, rows)})


@login_required
@require_POST
def notification_read(request):
    """Mark one (``id``) or all of the person's in-app notifications read; only their own rows are touched."""
    rows = Notification.objects.filter(recipient=request.user, channel=Notification.Channel.IN_APP, read_at__isnull=True)
    if request.POST.get("id"):
        rows = rows.filter(pk=request.POST["id"])
    rows.update(read_at=timezone.now())
    return redirect(request.POST.get("next") or "notifications")
