from django.core.paginator import Paginator

PAGE_SIZE = 50
PAGE_SIZES = (25, 50, 100)


def paginate(request, queryset, per_page: int | None = None):
    """A page of rows; ``?per_page=`` may pick 25, 50 or 100."""
    try:
        asked = int(request.GET.get("per_page", 0))
    except ValueError:
        asked = 0
    size = asked if asked in PAGE_SIZES else (per_page or PAGE_SIZE)
    return Paginator(queryset, size).get_page(request.GET.get("page"))
