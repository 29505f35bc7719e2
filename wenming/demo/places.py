"""Sites, roads, storefronts and facilities, laid out street by street.

One pass over the streets adds every kind in a fixed order (the main road, its furniture, its shops, the
street's sites, the communities', the county's), so the same seed draws the same numbers; then each kind is
written in bulk.
"""

from __future__ import annotations

from shapely import union_all

from wenming.cases.models import Facility
from wenming.demo.facilities import FacilityList, street_furniture_add
from wenming.demo.layout import BATCH
from wenming.demo.roads import Road, alley_road, main_road, main_road_name, roads_create, storefronts_add
from wenming.demo.sites import (
    SiteList,
    community_sites_add,
    county_sites_add,
    facility_sites_add,
    street_sites_add,
)
from wenming.demo.state import CityBuild
from wenming.org.models import Site, StorefrontDuty


def places_create(build: CityBuild) -> None:
    sites, facilities = SiteList(build), FacilityList(build)
    roads: list[Road] = []
    storefronts: list[StorefrontDuty] = []
    first_streets: dict[str, str] = {}  # each county's first street, by the county's code
    for s_code in build.street_shapes:
        first_streets.setdefault(s_code[:6], s_code)
        street = build.streets[s_code]
        office = build.offices[street.id]
        # The built-up part: the street's communities (all of it on the lattice, the town in a real township).
        minx, miny, maxx, maxy = union_all([build.community_shapes[c] for c in build.street_community_codes[s_code]]).bounds
        cx = build.street_axis.get(s_code, (minx + maxx) / 2)
        road_name = main_road_name(street)
        roads.append(main_road(build, s_code=s_code, cx=cx, miny=miny, maxy=maxy, office=office))
        street_furniture_add(build, facilities, s_code=s_code, cx=cx, miny=miny, maxy=maxy)
        storefronts_add(build, storefronts, s_code=s_code, road_name=road_name, cx=cx, miny=miny, maxy=maxy, office=office)
        street_sites_add(build, sites, s_code=s_code, road_name=road_name, cx=cx, office=office)
        for community, alley in community_sites_add(build, sites, s_code=s_code, road_name=road_name, office=office):
            roads.append(alley_road(community, alley, office))
        if first_streets[s_code[:6]] == s_code:  # county-level sites in each county's first street
            county_sites_add(build, sites, s_code=s_code)

    facility_counts = facility_sites_add(build, sites)  # after the others: they keep their codes
    # Sites get the most local area holding their point: resolve through the grids laid out above.
    Site.objects.bulk_create(sites, batch_size=BATCH)
    segments, chiefs = roads_create(build, roads)
    StorefrontDuty.objects.bulk_create(storefronts, batch_size=BATCH)
    Facility.objects.bulk_create(facilities, batch_size=BATCH)
    build.counts.update(sites=len(sites), road_segments=segments, road_chiefs=chiefs,
                        storefront_duties=len(storefronts), facilities=len(facilities))
    build.counts.update({f"sites_{code}": n for code, n in facility_counts.items()})
