"""What the steps of the demo city's build share: the random source, the plane, the names handed out and
the rows made so far, which later steps attach to."""

from __future__ import annotations

import random

from wenming.demo.layout import Layout
from wenming.org.models import Area, ResponsibilityGrid, SiteType, Unit

STEMS = ["和平", "中华", "人民", "育才", "新华", "胜利", "光明", "前进", "东风", "红旗", "建设", "朝阳", "永兴", "河东", "河西", "路北", "滨湖", "彭杜", "赵圈", "邓庄", "何庄", "大麻森", "郑家", "北门", "南关", "西关", "东关", "迎宾", "康宁", "安济", "红星", "团结", "幸福", "文化", "工业", "民主", "振华", "太平", "长安", "吉祥", "瑞丰", "富强", "兴旺", "宝云", "明珠", "盛世", "阳光", "金桥", "广厦", "枣园", "杏林", "槐荫", "柳林", "桃园", "梨园", "宏达", "裕华", "凤凰", "安居", "乐业", "清河", "汇源", "益民", "聚贤", "崇文", "尚德", "怀德", "宜居"]


class CityBuild:
    """One build of the demo city. Each step reads what earlier steps made and adds its own rows here; steps
    run in a fixed order so that the same seed draws the same numbers and gives the same city."""

    def __init__(self, *, rng: random.Random, layout: Layout, grids: int, password: str):
        self.rng, self.layout, self.total_grids, self.password = rng, layout, grids, password
        self.counts: dict[str, int] = {}
        self.logins: list[tuple[str, str, str]] = []
        self.units: dict[str, Unit] = {}  # by code
        self.site_types: dict[str, SiteType] = {}  # by code
        self.city: Area | None = None
        self.counties: dict[str, Area] = {}  # by code, and likewise the streets and communities
        self.streets: dict[str, Area] = {}
        self.communities: dict[str, Area] = {}
        self.rgrids: dict[str, ResponsibilityGrid] = {}
        self.govs: dict[int, Unit] = {}  # each county's government by the county's id
        self.offices: dict[int, Unit] = {}  # each street's office by the street's id
        # Shapes on the plane by area code, and each street's communities in order.
        self.county_shapes: dict = {}
        self.street_shapes: dict = {}
        self.community_shapes: dict = {}
        self.street_community_codes: dict[str, list[str]] = {}
        # Where each street's main road runs (x on the plane), if its layout says; else through its middle.
        self.street_axis: dict[str, float] = {}
        self.stem_i = 0
        self.stems = STEMS[:]
        rng.shuffle(self.stems)
        self._communities_by_id: dict[int, Area] | None = None

    def name(self) -> str:
        """The next place name: every stem once, then stems with a numeral."""
        stem = self.stems[self.stem_i % len(self.stems)]
        self.stem_i += 1
        return stem if self.stem_i <= len(STEMS) else f"{stem}{self.rng.choice('一二三四五六七八九')}"

    def community_by_id(self, area_id: int) -> Area:
        if self._communities_by_id is None:
            self._communities_by_id = {a.id: a for a in self.communities.values()}
        return self._communities_by_id[area_id]
