from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.common.models import GeoFeatureModel, TimeStampedModel


class AreaLevel(models.TextChoices):
    CITY = "city", _("City")
    COUNTY = "county", _("District / county")
    STREET = "street", _("Street / township")
    COMMUNITY = "community", _("Community / village")
    GRID = "grid", _("Unit grid")


LEVEL_ORDER = [AreaLevel.CITY, AreaLevel.COUNTY, AreaLevel.STREET, AreaLevel.COMMUNITY, AreaLevel.GRID]


class Area(GeoFeatureModel, TimeStampedModel):
    """One node of the tree 市 → 区县 → 街道/乡镇 → 社区/村 → 单元网格.

    Codes follow GB/T 2260 for counties and CJ/T 213 for the rest: 6 county + 3 street + 3 community
    + 2 grid serial. ``path`` holds the codes from the root, so "everything inside an area" is one
    prefix match.
    """

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=AreaLevel.choices, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(_("path"), max_length=255, db_index=True, editable=False)
    area_m2 = models.FloatField(_("area (m²)"), null=True, blank=True, editable=False)
    default_unit = models.ForeignKey(
        "org.Unit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="default_for_areas",
        verbose_name=_("default responsible unit"),
        help_text=_("Takes cases no other rule assigns (属地兜底)."),
    )
    responsibility_grid = models.ForeignKey(
        "org.ResponsibilityGrid",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="unit_grids",
        verbose_name=_("responsibility grid"),
    )

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def build_path(self) -> str:
        prefix = self.parent.path if self.parent_id else "/"
        return f"{prefix}{self.code}/"

    def save(self, *args, **kwargs):
        self.path = self.build_path()
        super().save(*args, **kwargs)

    def ancestors(self, include_self: bool = True) -> models.QuerySet["Area"]:
        codes = [c for c in self.path.strip("/").split("/") if c]
        if not include_self:
            codes = codes[:-1]
        return Area.objects.filter(code__in=codes).order_by("path")


class ResponsibilityGrid(TimeStampedModel):
    """A 责任网格: unit grids grouped under the grid workers who patrol them."""

    class Kind(models.TextChoices):
        BASIC = "basic", _("Basic grid")
        DEDICATED = "dedicated", _("Dedicated grid")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.BASIC)
    community = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="responsibility_grids", verbose_name=_("community / village")
    )
    workers = models.ManyToManyField(
        "org.Person", blank=True, related_name="responsibility_grids", verbose_name=_("grid workers")
    )

    class Meta:
        verbose_name = _("responsibility grid")
        verbose_name_plural = _("responsibility grids")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
