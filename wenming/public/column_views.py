"""The public columns: the exposure board (创城曝光台), the rectification showcase (整改进行时), the red/black
list (创城红黑榜) and their feeds. The shift leader publishes on them from the case's exposure page (cases)."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from wenming.cases.models import Case, CaseState, Evidence, Exposure, ExposurePhoto
from wenming.cases.services import exposure as ex
from wenming.common.access import get_or_404, scope_for
from wenming.common.db_router import replica_reads
from wenming.common.input import CleanAtom1Feed
from wenming.common.pagination import paginate
from wenming.scoring.models import RedBlackList
from wenming.scoring.models.index import Subject
from wenming.scoring.models.snapshot import BoardStatus

FEED_ITEMS = 30


# -- public pages: no login, nothing personal --------------------------------------------------------------------

def _entries(page):
    places = ex.exposure_places(page)
    for item in page:
        photos = list(item.photos.all())
        item.before = [p for p in photos if p.evidence.kind == Evidence.Kind.BEFORE]
        item.after = [p for p in photos if p.evidence.kind == Evidence.Kind.AFTER]
        item.place = places.get(item.pk, "")
        item.fixed = item.case.state == CaseState.CLOSED
    return page


@replica_reads
@require_safe
def board(request):
    page = paginate(request, ex.exposure_board(), per_page=20)
    return render(request, "public/columns/board.html", {"page": _entries(page), "column": "board"})


@replica_reads
@require_safe
def showcase(request):
    page = paginate(request, ex.showcase_entries(), per_page=20)
    return render(request, "public/columns/showcase.html", {"page": _entries(page), "column": "showcase"})


@replica_reads
@require_safe
def exposure_detail(request, pk: int):
    item = get_object_or_404(ex.exposures_published(), pk=pk)
    _entries([item])
    return render(request, "public/columns/detail.html", {"item": item})


@require_safe
def exposure_photo(request, pk: int):
    """A published photo with its covered areas; staff who may publish also see drafts (the preview)."""
    photo = get_object_or_404(ExposurePhoto.objects.select_related("exposure__case"), pk=pk)
    public = photo.exposure.state == Exposure.State.PUBLISHED and photo.exposure.case.state not in ex.OFF_BOARD
    if not public and not (request.user.is_authenticated and scope_for(request.user).roles & ex.PUBLISHERS):
        raise Http404
    if not public:  # the preview: only of a case the publisher may see
        get_or_404(Case.objects.filter(pk=photo.exposure.case_id), request.user)
    try:
        handle = photo.rendered.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=600" if public else "private, no-store"
    return response


def _boards():
    # Units and districts only: an inspectors' list names people, and an inspector's identity is never public.
    return (RedBlackList.objects.filter(status=BoardStatus.PUBLISHED, snapshot__subject__in=[Subject.UNIT, Subject.DISTRICT])
            .select_related("snapshot").order_by("-published_at", "-id"))


@replica_reads
@require_safe
def red_black(request):
    """创城红黑榜: the approved lists, the latest first. Names of units and districts only, with their index."""
    page = paginate(request, _boards(), per_page=10)
    return render(request, "public/columns/red_black.html", {"page": page, "column": "redblack"})


@replica_reads
@require_safe
def red_black_detail(request, pk: int):
    board = get_object_or_404(_boards(), pk=pk)
    return render(request, "public/columns/red_black.html", {"page": [board], "column": "redblack", "single": True})


class _ColumnFeed(Feed):
    feed_type = CleanAtom1Feed  # a summary stored with a control character must not break the feed for everyone

    def item_title(self, item):
        return item.headline

    def item_description(self, item):
        state = _("Put right") if item.case.state == CaseState.CLOSED else _("Being put right")
        unit = f" · {item.case.unit.name}" if item.case.unit_id else ""
        return f"{item.summary}\n{state}{unit}".strip()

    def item_link(self, item):
        return reverse("exposure:detail", args=[item.pk])

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.case.closed_at or item.updated_at

    def item_guid(self, item):
        return f"wenming-exposure-{item.pk}"

    item_guid_is_permalink = False


class BoardFeed(_ColumnFeed):
    title = gettext_lazy("Exposure board (创城曝光台)")
    subtitle = gettext_lazy("Problems the campaign command centre has made public, until they are put right.")

    def link(self):
        return reverse("exposure:board")

    def items(self):
        return ex.exposure_board()[:FEED_ITEMS]


class ShowcaseFeed(_ColumnFeed):
    title = gettext_lazy("Rectification showcase (整改进行时)")
    subtitle = gettext_lazy("Exposed problems that have been put right, before and after.")

    def link(self):
        return reverse("exposure:showcase")

    def items(self):
        return ex.showcase_entries()[:FEED_ITEMS]

    def item_pubdate(self, item):
        return item.case.closed_at or item.published_at


class RedBlackFeed(Feed):
    feed_type = CleanAtom1Feed
    title = gettext_lazy("Red/black list (创城红黑榜)")
    subtitle = gettext_lazy("The best and the worst ranked units and districts, as approved and published.")

    def link(self):
        return reverse("exposure:red_black")

    def items(self):
        return _boards()[:FEED_ITEMS]

    def item_title(self, item):
        return f"{gettext_lazy('Red/black list (创城红黑榜)')} · {item.snapshot}"

    def item_description(self, item):
        red = "、".join(e["name"] for e in item.red)
        black = "、".join(e["name"] for e in item.black)
        return f"{_('Red list')}: {red}\n{_('Black list')}: {black}\n{item.note}".strip()

    def item_link(self, item):
        return reverse("exposure:red_black_detail", args=[item.pk])

    def item_pubdate(self, item):
        return item.published_at

    def item_guid(self, item):
        return f"wenming-red-black-{item.pk}"

    item_guid_is_permalink = False
