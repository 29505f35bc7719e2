"""Every kind of map credits Leaflet in plain words: no flag (Leaflet's default prefix draws one as an inline SVG);
and its controls' tooltips are in the page's language (Chinese), not Leaflet's English."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from wenming.browser_tests.conftest import login
from wenming.org.models import Area

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def credit(page, url: str, map_selector: str) -> tuple[str, str, tuple]:
    """The attribution of the map on ``url``: its text and its HTML, and the zoom buttons' tooltips."""
    page.goto(url)
    control = page.locator(f"{map_selector} .leaflet-control-attribution")
    control.wait_for(state="attached")  # the citizen's map may still be folded away
    titles = tuple(page.locator(f"{map_selector} {button}").get_attribute("title")
                   for button in (".leaflet-control-zoom-in", ".leaflet-control-zoom-out"))
    return control.text_content().strip(), control.inner_html(), titles


def test_every_map_credits_leaflet_without_a_flag(page, live_server):
    grid = Area.objects.filter(level="grid").order_by("code").first()
    url = live_server.url
    maps = {"citizen report": (url + reverse("public:report"), "#pick-map")}
    seen = {"citizen report": credit(page, *maps["citizen report"])}
    login(page, live_server, "zhiban")
    maps.update({
        "routing check": (url + reverse("routing:check") + f"?lat={grid.lat}&lng={grid.lng}&crs=wgs84&category=SJ0404",
                          "#map"),
        "workbench map": (url + reverse("cases:workbench") + "?view=map", "#case-map"),
        "battle map": (url + reverse("campaign:map"), "#battle-map"),
        "area page": (url + reverse("org:area_detail", args=[grid.code]), "#map"),
    })
    for name, (address, selector) in list(maps.items())[1:]:
        seen[name] = credit(page, address, selector)
    with translation.override("zh-hans"):
        zoom = (gettext("Zoom in"), gettext("Zoom out"))
        layers = gettext("Map layers")
    for name, (text, html, titles) in seen.items():
        assert text == "Leaflet", (name, text)
        assert "<svg" not in html and "flag" not in html, (name, html)
        assert 'href="https://leafletjs.com"' in html, name
        assert titles == zoom, (name, titles)
    page.goto(maps["battle map"][0])
    # Taken from the page (base.html's translated data-map-* attributes), not Leaflet's defaults.
    assert page.evaluate("document.body.dataset.mapZoomIn") == zoom[0]
    assert page.locator("#battle-map .leaflet-control-layers-toggle").get_attribute("title") == layers
    assert page.js_errors == []
