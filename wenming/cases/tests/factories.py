"""factory_boy factories for categories, facilities and routing rules (org factories live in org/tests)."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from wenming.cases.models import Category, CategoryKind, Facility, RoutingRule
from wenming.org.tests.factories import UnitFactory


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"TC{n:04d}")
    name = factory.Sequence(lambda n: f"测试类别{n}")
    kind = CategoryKind.EVENT
    parent = None
    facility_radius_m = 0
    local_duty = True
    is_active = True


class FacilityFactory(DjangoModelFactory):
    class Meta:
        model = Facility

    code = factory.Sequence(lambda n: f"999999{n:010d}")
    category = factory.SubFactory(CategoryFactory, kind=CategoryKind.COMPONENT)
    lng = 115.55
    lat = 37.60
    owner_unit = factory.SubFactory(UnitFactory)
    maintainer_unit = None
    in_use = True


class RoutingRuleFactory(DjangoModelFactory):
    class Meta:
        model = RoutingRule

    category = factory.SubFactory(CategoryFactory)
    area = None
    site_type = None
    unit = factory.SubFactory(UnitFactory)
    priority = 0
    is_active = True
