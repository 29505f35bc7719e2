from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.common.models import GeoFeatureModel, TimeStampedModel


class SiteType(models.Model):
    """A kind of 点位 (农贸市场, 背街小巷, 小区, 学校…); evaluation handbooks list about 54."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    surround_radius_m = models.PositiveIntegerField(
        _("surrounding radius (m)"),
        default=0,
        help_text=_("Distance that counts as 'around' this kind of site, e.g. 300 m around markets, 200 m around schools."),
    )
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("site type")
        verbose_name_plural = _("site types")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class Site(GeoFeatureModel, TimeStampedModel):
    """A 点位: a market, a back street, a compound, a school… with the unit that 包保 it."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    site_type = models.ForeignKey(SiteType, on_delete=models.PROTECT, related_name="sites", verbose_name=_("type"))
    area = models.ForeignKey(
        "org.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="sites",
        verbose_name=_("area"), help_text=_("The most local area that holds the site's representative point."),
    )
    guarantor_unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="guaranteed_sites",
        verbose_name=_("responsible unit (包保单位)"),
    )
    # The unit that runs the facility (运营/管理单位: the school of a 少年宫, the company of a parking lot), which is
    # not always the unit that answers for the site in the campaign (包保).
    operator_unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="operated_sites",
        verbose_name=_("operating unit (运营单位)"),
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True,
        help_text=_("Parking spaces for a parking lot; seats or places for other facilities."),
    )
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["code"]
        indexes = [models.Index(fields=["site_type", "area"], name="site_type_area_idx")]

    def __str__(self) -> str:
        return self.name


class RoadSegment(GeoFeatureModel, TimeStampedModel):
    """A stretch of street under 路(街)长制."""

    class RoadClass(models.TextChoices):
        ARTERIAL = "arterial", _("Main road (主干道)")
        SECONDARY = "secondary", _("Secondary road (次干道)")
        BRANCH = "branch", _("Branch road (支路)")
        ALLEY = "alley", _("Back street (背街小巷)")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    road_class = models.CharField(_("road class"), max_length=16, choices=RoadClass.choices)
    area = models.ForeignKey(
        "org.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="road_segments", verbose_name=_("area")
    )

    class Meta:
        verbose_name = _("road segment")
        verbose_name_plural = _("road segments")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RoadChief(models.Model):
    """A 路长 for one segment at one level; cases routed by road go to the most local chief's unit."""

    class Level(models.IntegerChoices):
        CITY = 1, _("City")
        COUNTY = 2, _("District / county")
        STREET = 3, _("Street / township")
        COMMUNITY = 4, _("Community / village")

    segment = models.ForeignKey(RoadSegment, on_delete=models.CASCADE, related_name="chiefs", verbose_name=_("road segment"))
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    person = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="road_chief_of", verbose_name=_("person")
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="road_chiefs", verbose_name=_("unit"))

    class Meta:
        verbose_name = _("road chief")
        verbose_name_plural = _("road chiefs")
        ordering = ["segment", "-level"]
        constraints = [models.UniqueConstraint(fields=["segment", "level"], name="one_road_chief_per_level")]

    def __str__(self) -> str:
        return f"{self.segment} · {self.name}"


STOREFRONT_DUTIES = [
    ("sanitation", _("Sanitation (包卫生)")),
    ("greening", _("Greenery (包绿化)")),
    ("order", _("Order (包秩序)")),
    ("facilities", _("Facilities (包设施)")),
    ("civility", _("Civility (包文明)")),
]


class StorefrontDuty(GeoFeatureModel, TimeStampedModel):
    """门前五包: a shop's duties for its frontage, supervised by a unit (usually the street office)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    shop_name = models.CharField(_("shop"), max_length=100)
    licence_no = models.CharField(_("business licence no."), max_length=40, blank=True)
    keeper_name = models.CharField(_("responsible person"), max_length=50, blank=True)
    keeper_phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    duties = models.JSONField(_("duties"), default=list, blank=True)
    area = models.ForeignKey(
        "org.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="storefront_duties", verbose_name=_("area")
    )
    road = models.ForeignKey(
        RoadSegment, null=True, blank=True, on_delete=models.SET_NULL, related_name="storefront_duties", verbose_name=_("road")
    )
    supervising_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="supervised_storefronts", verbose_name=_("supervising unit")
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("storefront duty (门前五包)")
        verbose_name_plural = _("storefront duties (门前五包)")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.shop_name
