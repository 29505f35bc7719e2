from django.core.paginator import Paginator

PAGE_SIZE = 50


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """A page of rows; counting is capped by the database's own count, which the list needs anyway."""
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))
