from django.http import HttpResponse
from django.views.decorators.http import require_safe


@require_safe
def healthz(request):
    """The load balancer's check, every second per node: it asks whether this process answers at all, so it
    touches no database (a failover is the database's business, and marking every node down during one would
    only turn slow answers into HAProxy's 503s)."""
    return HttpResponse("ok", content_type="text/plain")
