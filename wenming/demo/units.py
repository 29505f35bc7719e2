"""Units: the city's departments and utilities, a government for every county and an office for every street
(each its area's default unit), and the branches of the departments that work district by district."""

from __future__ import annotations

from wenming.demo.layout import BATCH
from wenming.demo.state import CityBuild
from wenming.org.models import Area, Unit, UnitKind

DEPARTMENTS = [
    # code, name, kind; what each answers for is in rules.py
    ("CMD", "衡水市创城指挥部", UnitKind.COMMAND),
    ("WMB", "衡水市文明办", UnitKind.DEPARTMENT),
    ("CGJ", "衡水市城市管理综合行政执法局", UnitKind.DEPARTMENT),
    ("CGJ-YL", "衡水市园林绿化服务中心", UnitKind.DEPARTMENT),
    ("JJZD", "衡水市公安局交通警察支队", UnitKind.DEPARTMENT),
    ("GAJ", "衡水市公安局", UnitKind.DEPARTMENT),
    ("ZJJ", "衡水市住房和城乡建设局", UnitKind.DEPARTMENT),
    ("SCJG", "衡水市市场监督管理局", UnitKind.DEPARTMENT),
    ("JYJ", "衡水市教育局", UnitKind.DEPARTMENT),
    ("STHJ", "衡水市生态环境局", UnitKind.DEPARTMENT),
    ("JTJ", "衡水市交通运输局", UnitKind.DEPARTMENT),
    ("WJW", "衡水市卫生健康委员会", UnitKind.DEPARTMENT),
    ("NYNC", "衡水市农业农村局", UnitKind.DEPARTMENT),
    ("WGL", "衡水市文化广电和旅游局", UnitKind.DEPARTMENT),
    ("SPJ", "衡水市行政审批局", UnitKind.DEPARTMENT),
    ("FGW", "衡水市发展和改革委员会", UnitKind.DEPARTMENT),
    ("POWER", "国网衡水供电公司", UnitKind.UTILITY),
    ("WATER", "衡水市供水公司", UnitKind.UTILITY),
    ("GAS", "衡水市燃气公司", UnitKind.UTILITY),
    ("CMCC", "中国移动衡水分公司", UnitKind.TELECOM),
    ("CUCC", "中国联通衡水分公司", UnitKind.TELECOM),
    ("CTCC", "中国电信衡水分公司", UnitKind.TELECOM),
    ("CATV", "河北广电网络衡水分公司", UnitKind.TELECOM),
    ("WY-1", "衡水安居物业服务有限公司", UnitKind.ENTERPRISE),
    ("WY-2", "衡水湖城物业管理有限公司", UnitKind.ENTERPRISE),
]
# Departments with a branch in every district and county.
BRANCHED = {"CGJ": "城市管理综合行政执法局", "JJZD": "交警大队", "SCJG": "市场监督管理局"}


def departments_create(build: CityBuild) -> None:
    for code, name, kind in DEPARTMENTS:
        parent = build.units.get("CGJ") if code == "CGJ-YL" else None
        build.units[code] = Unit.objects.create(
            code=code, name=name, kind=kind, parent=parent,
            contact_name="值班室", contact_phone=f"0318-{2100000 + len(build.units):07d}",
        )


def governments_create(build: CityBuild) -> None:
    """One government per district or county, one office per street, each the default unit of its area; the
    command centre is the city's."""
    counties, streets = list(build.counties.values()), list(build.streets.values())
    govs = Unit.objects.bulk_create(
        [
            Unit(code=f"GOV-{a.code}", name=f"{a.name}人民政府" if "新区" not in a.name and "高新" not in a.name
                 else f"{a.name}管委会", kind=UnitKind.GOVERNMENT, area=a, path=f"/GOV-{a.code}/",
                 contact_name="总值班室", contact_phone=f"0318-{2200000 + i:07d}")
            for i, a in enumerate(counties)
        ]
    )
    build.govs = {u.area_id: u for u in govs}
    offices = Unit.objects.bulk_create(
        [
            Unit(
                code=f"GOV-{s.code}",
                name=s.name.replace("街道", "街道办事处") if s.name.endswith("街道") else f"{s.name}人民政府",
                kind=UnitKind.GOVERNMENT, area=s, parent=build.govs[s.parent_id],
                path=f"{build.govs[s.parent_id].path}GOV-{s.code}/", contact_name="党政办",
                contact_phone=f"0318-{2300000 + i:07d}",
            )
            for i, s in enumerate(streets)
        ],
        batch_size=BATCH,
    )
    build.offices = {u.area_id: u for u in offices}
    for a in counties:
        a.default_unit = build.govs[a.id]
    for s in streets:
        s.default_unit = build.offices[s.id]
    Area.objects.bulk_update(counties + streets, ["default_unit"], batch_size=BATCH)
    build.city.default_unit = build.units["CMD"]
    build.city.save(update_fields=["default_unit"])


def branches_create(build: CityBuild) -> None:
    """Branches of the departments that work district by district."""
    branches = []
    for a in build.counties.values():
        for parent_code, suffix in BRANCHED.items():
            parent = build.units[parent_code]
            branches.append(
                Unit(code=f"{parent_code}-{a.code}", name=f"{a.name}{suffix}", kind=UnitKind.DEPARTMENT,
                     parent=parent, area=a, path=f"{parent.path}{parent_code}-{a.code}/")
            )
    for u in Unit.objects.bulk_create(branches):
        build.units[u.code] = u
