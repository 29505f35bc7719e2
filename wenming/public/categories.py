"""The problems a citizen can pick, in plain words, each mapped to a 小类 code. "Something else" leaves
the category to the command centre, which sets it when it registers the case."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from wenming.cases.routing_cache import get_routing_config

OTHER = "other"
CITIZEN_CATEGORIES = [
    ("rubbish", _("Rubbish left lying around"), "SJ0101"),
    ("dirty_road", _("Dirty road or pavement"), "SJ0102"),
    ("stalls", _("Street stalls blocking the way"), "SJ0401"),
    ("cars", _("Cars parked in the wrong place"), "SJ0404"),
    ("bikes", _("Bikes or e-bikes parked in the wrong place"), "SJ0405"),
    ("flyers", _("Illegal flyers or posters"), "SJ0201"),
    ("manhole", _("Missing or broken manhole cover"), "SJ0504"),
    ("potholes", _("Potholes in the road"), "SJ0304"),
    ("street_light", _("Street light not working"), "BJ0107"),
    ("dust", _("Dust from a building site"), "SJ0302"),
    ("dogs", _("Dogs off the lead"), "SJ0605"),
    ("stairwell", _("Things piled in a stairwell"), "SJ0803"),
]


def citizen_choices() -> list[tuple[str, str]]:
    """The choices whose 小类 exists and is active here, then "something else"."""
    active = get_routing_config().categories_by_code
    found = [(key, label) for key, label, code in CITIZEN_CATEGORIES if code in active and active[code].is_active]
    return [*found, (OTHER, _("Something else"))]


def category_code(key: str) -> str | None:
    for choice, _label, code in CITIZEN_CATEGORIES:
        if choice == key:
            return code
    return None
