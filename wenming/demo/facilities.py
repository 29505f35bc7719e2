"""Street furniture (部件) along each street's main road, each facility owned by the unit that answers for it."""

from __future__ import annotations

from wenming.cases.models import Category, Facility
from wenming.demo.state import CityBuild
from wenming.org.models import Unit

TELECOMS = ["CMCC", "CUCC", "CTCC", "CATV"]


class FacilityList(list):
    """The facilities to create, numbered per county and class (the code's tail)."""

    def __init__(self, build: CityBuild):
        super().__init__()
        self.build = build
        self.cats = {c.code: c for c in Category.objects.filter(kind="component", parent__isnull=False)}
        self.serial: dict[str, int] = {}

    def add(self, cat_code: str, x: float, y: float, county_code: str, owner: Unit, maintainer: Unit | None = None) -> None:
        key = f"{county_code}{cat_code[2:]}"
        self.serial[key] = self.serial.get(key, 0) + 1
        lng, lat = self.build.layout.lnglat(x, y)
        self.append(Facility(code=f"{key}{self.serial[key]:06d}", category=self.cats[cat_code], lng=lng, lat=lat,
                             owner_unit=owner, maintainer_unit=maintainer))


def street_furniture_add(build: CityBuild, facilities: FacilityList, *, s_code: str, cx: float, miny: float,
                         maxy: float) -> None:
    """Lamps and poles every 50 m along the main road at ``cx``, bins, signs and the rest less often."""
    county_code, units = s_code[:6], build.units
    cgj, jj = units[f"CGJ-{county_code}"], units[f"JJZD-{county_code}"]
    y = miny + 25
    k = 0
    while y < maxy:
        facilities.add("BJ0107", cx + 8, y, county_code, cgj)
        facilities.add("BJ0104", cx - 8, y, county_code, units["POWER"])
        if k % 2 == 0:
            facilities.add("BJ0105", cx + 10, y + 10, county_code, units[build.rng.choice(TELECOMS)])
            facilities.add("BJ0301", cx - 6, y + 20, county_code, cgj)
        if k % 4 == 0:
            facilities.add("BJ0102", cx + 3, y + 5, county_code, cgj)
            facilities.add("BJ0101", cx - 3, y + 15, county_code, units["WATER"])
            facilities.add("BJ0202", cx + 9, y + 30, county_code, jj)
        if k % 8 == 0:
            facilities.add("BJ0201", cx, y, county_code, jj)
            facilities.add("BJ0106", cx + 4, y + 35, county_code, units["GAS"])
        y += 50
        k += 1
