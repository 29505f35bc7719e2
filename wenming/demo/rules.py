"""Routing rules: the departments' legal remits (职能), city-wide or district by district."""

from __future__ import annotations

from wenming.cases.models import Category, RoutingRule
from wenming.demo.layout import BATCH
from wenming.demo.state import CityBuild


def routing_rules_create(build: CityBuild) -> None:
    cats = {c.code: c for c in Category.objects.all()}
    u = build.units
    rules = []

    def rule(cat, unit, area=None, site_type=None, note=""):
        rules.append(RoutingRule(category=cats[cat], unit=unit, area=area, site_type=site_type, note=note))

    # City-wide remits.
    for cat in ["SJ0601", "SJ0602", "SJ0603", "SJ0604", "SJ0605"]:
        rule(cat, u["GAJ"], note="犬类管理由公安机关负责")
    rule("SJ0701", u["WGL"], note="娱乐场所、网吧由文广旅部门审批监管")
    rule("SJ0901", u["SPJ"])
    rule("SJ0902", u["FGW"], note="信用体系建设牵头部门")
    rule("SJ0903", u["WMB"])
    rule("SJ0904", u["WMB"])
    rule("SJ0107", u["NYNC"], note="农村厕所改造")
    rule("SJ0302", u["ZJJ"])
    rule("SJ0301", u["STHJ"])
    rule("SJ0501", u["ZJJ"])
    rule("SJ0502", u["WATER"])
    rule("SJ05", u["CGJ"], note="突发事件默认由城管统筹")
    rule("SJ0203", u["WMB"], note="公益广告由市文明办牵头")
    rule("SJ0802", u["ZJJ"], note="无物业小区物业覆盖")
    # District-by-district remits go to each district's branch.
    for county in build.counties.values():
        c = county.code
        for cat in ["SJ0404", "SJ0406", "SJ0407", "SJ0704"]:
            rule(cat, u[f"JJZD-{c}"], area=county)
        for cat in ["SJ0401", "SJ0403", "SJ0408", "SJ0202", "SJ0303"]:
            rule(cat, u[f"CGJ-{c}"], area=county)
        for cat in ["SJ0702", "SJ0703", "SJ0902"]:
            rule(cat, u[f"SCJG-{c}"], area=county)
        # Inside a market, stalls and order are the market regulator's.
        rule("SJ0401", u[f"SCJG-{c}"], area=county, site_type=build.site_types["market"], note="市场内由市场监管负责")
    RoutingRule.objects.bulk_create(rules, batch_size=BATCH)
    build.counts["routing_rules"] = len(rules)
