"""The inspection component of the unit and district indexes: 暗访得分 (``inspection_score``).

A unit's figure is the mean score of the sites it guarantees (包保单位), a district's the mean score of the sites
in it, over the inspection rounds whose findings were released (通报) in the period, before the cutoff — so a
round counts once, in the period it was published in, and a figure computed again later is the same. The site
score is the round's own (docs/inspections.md: weighted pass rate, minus 5 per 严重不合格). The index takes
score / 100 like a rate; a subject with no inspected site in the period has no figure and the index's other
weights are renormalised, as for any indicator without a denominator.

The evidence kept beside the figures is, per subject, one entry per (round, site): its score and the findings
(result ids) that cost it points, so the explanation goes down to the findings without naming an inspector.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from wenming.inspections.services.scoring import released_site_scores

CODE = "inspection_score"
# The evidence's key for the (round, site) entries: not a list of cases like the other indicators'.
SITES = "inspection_sites"
SUBJECTS = ("unit", "district")


def inspection_component(*, subject: str, start_at: dt.datetime, end_at: dt.datetime) -> dict[str, dict]:
    """{subject key: {"name", "figure", "sites"}} for the rounds released in [start_at, end_at)."""
    if subject not in SUBJECTS or end_at <= start_at:
        return {}
    groups: dict[str, dict] = {}
    for site in released_site_scores(start=start_at, end=end_at):
        if site.score is None:
            continue
        key = (str(site.unit_id) if site.unit_id else "") if subject == "unit" else site.district_code
        if not key:
            continue
        group = groups.setdefault(key, {"name": site.unit if subject == "unit" else site.district, "sites": []})
        group["sites"].append([site.round_id, site.site_id, str(site.score), sorted(site.findings)])
    for group in groups.values():
        scores = [Decimal(s[2]) for s in group["sites"]]
        mean = (sum(scores, Decimal(0)) / len(scores)).quantize(Decimal("0.01"))
        group["sites"].sort(key=lambda s: (Decimal(s[2]), s[0], s[1]))
        group["figure"] = {"num": float(mean), "den": None, "value": round(float(mean) / 100, 6),
                           "sites": len(scores)}
    return groups
