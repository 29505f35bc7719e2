"""The outlines the maps draw (org:outlines): districts and streets for anyone logged in, communities and grids
only within the scope and only within areas or a box (a city has up to 60,000 grids), bad input named."""

import json

import pytest
from django.urls import reverse

from wenming.org import selectors
from wenming.org.models import Area, Person

pytestmark = pytest.mark.django_db
URL = reverse("org:outlines")


def _get(client, username: str | None, **query):
    if username:
        client.force_login(Person.objects.get(username=username))
    return client.get(URL, query)


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL, {"level": "county"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_districts_and_streets_with_names_codes_and_label_points(client):
    data = json.loads(_get(client, "zhiban", level="county,street").content)
    kinds = {f["properties"]["kind"] for f in data["features"]}
    assert kinds == {"county", "street"} and data["truncated"] == []
    assert len(data["features"]) == Area.objects.filter(level__in=("county", "street"), geometry__isnull=False).count()
    street = next(f for f in data["features"] if f["properties"]["kind"] == "street")
    area = Area.objects.get(code=street["properties"]["code"])
    assert street["properties"]["name"] == area.name and street["properties"]["parent"] == area.parent.code
    assert street["properties"]["label"] == [area.lng, area.lat]
    assert street["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_grids_only_within_an_area_or_inside_a_box(client):
    refused = _get(client, "zhiban", level="grid")
    assert refused.status_code == 400
    assert "bbox" in json.loads(refused.content)["fields"]
    street = Area.objects.filter(level="street").order_by("code").first()
    data = json.loads(_get(client, None, level="grid", within=street.code).content)
    codes = {f["properties"]["code"] for f in data["features"]}
    assert codes == set(Area.objects.filter(level="grid", path__startswith=street.path).values_list("code", flat=True))
    grid = Area.objects.get(code=sorted(codes)[0])
    box = f"{grid.min_lng},{grid.min_lat},{grid.max_lng},{grid.max_lat}"
    boxed = json.loads(_get(client, None, level="grid", bbox=box).content)
    boxed_codes = {f["properties"]["code"] for f in boxed["features"]}
    assert grid.code in boxed_codes and len(boxed_codes) < len(codes)  # the box's grid and its neighbours only


def test_a_grid_worker_gets_only_the_grids_of_her_scope(client):
    city = Area.objects.get(parent__isnull=True)
    box = f"{city.min_lng},{city.min_lat},{city.max_lng},{city.max_lat}"
    data = json.loads(_get(client, "wangge", level="county,grid", bbox=box).content)
    grids = {f["properties"]["code"] for f in data["features"] if f["properties"]["kind"] == "grid"}
    wangge = Person.objects.get(username="wangge")
    community = wangge.roles.exclude(area=None).first().area
    assert grids and grids <= set(Area.objects.filter(path__startswith=community.path).values_list("code", flat=True))
    assert any(f["properties"]["kind"] == "county" for f in data["features"])  # public boundaries: all of them
    # A community outside her scope is as unknown as a missing one.
    other = Area.objects.filter(level="community").exclude(pk=community.pk).order_by("code").first()
    assert _get(client, None, level="grid", within=other.code).status_code == 404
    assert _get(client, None, level="grid", within="NOSUCHAREA").status_code == 404


@pytest.mark.parametrize(("query", "field"), [
    ({"level": "grid,planet"}, "level"),
    ({"level": ""}, "level"),
    ({"level": "county", "bbox": "1,2,3"}, "bbox"),
    ({"level": "county", "bbox": "116,37,115,38"}, "bbox"),
    ({"level": "county", "bbox": "nan,37,116,38"}, "bbox"),
    ({"level": "county", "bbox": "-inf,37,116,38"}, "bbox"),
    ({"level": "county", "within": "131102,<script>"}, "within"),
    ({"level": "county", "within": ",".join(["131102"] * 21)}, "within"),
    ({"level": "county" * 20}, "level"),
])
def test_bad_input_is_refused_naming_the_field(client, query, field):
    response = _get(client, "zhiban", **query)
    assert response.status_code == 400
    body = json.loads(response.content)
    assert field in body["fields"] and body["fields"][field][0].split(":")[0].strip()


def test_a_level_past_the_limit_is_left_out_whole_and_said(people):
    data = selectors.outline_features(user=people["zhiban"], levels=["county", "street"], limit=3)
    assert data["truncated"] == ["county", "street"] and data["features"] == []
    county = Area.objects.filter(level="county").order_by("code").first()
    one = selectors.outline_features(user=people["zhiban"], levels=["county"], within=[county])
    assert [f["properties"]["code"] for f in one["features"]] == [county.code]
