from django.db.models import Q, QuerySet

from wenming.common.access import restrict

from .models import Area, Site, Unit


def area_list(*, user, q: str = "", level: str = "") -> QuerySet[Area]:
    qs = restrict(Area.objects.select_related("parent", "default_unit"), user)
    if level:
        qs = qs.filter(level=level)
    if q:
        qs = qs.filter(Q(code__startswith=q) | Q(name__contains=q))
    return qs.order_by("path")


def unit_list(*, user, q: str = "") -> QuerySet[Unit]:
    qs = restrict(Unit.objects.select_related("parent", "area"), user)
    if q:
        qs = qs.filter(Q(code__startswith=q) | Q(name__contains=q))
    return qs.order_by("path")


def site_list(*, user, q: str = "", site_type=None) -> QuerySet[Site]:
    qs = restrict(Site.objects.select_related("site_type", "area", "guarantor_unit"), user)
    if site_type:
        qs = qs.filter(site_type=site_type)
    if q:
        qs = qs.filter(Q(code__startswith=q) | Q(name__contains=q) | Q(address__contains=q))
    return qs.order_by("code")
