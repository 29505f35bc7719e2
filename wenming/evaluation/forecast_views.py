"""The mock evaluation (模拟测评) page and its REST endpoint, for the evaluation office, the commander on duty and the
administrator (``READINESS_WATCHERS``); anyone else gets 404, as for a missing page. Thin: the numbers come from
``services.forecast``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from wenming.common.access import scope_for
from wenming.common.roles import READINESS_WATCHERS
from wenming.evaluation import selectors
from wenming.evaluation.services.forecast import (
    Backtest,
    Forecast,
    as_decimal,
    forecast_backtest,
    forecast_compute,
)


def forecast_allowed(user) -> bool:
    return bool(user.is_authenticated and scope_for(user).roles & READINESS_WATCHERS)


def _chart(result: Forecast) -> dict:
    return {
        "title": _("Forecast score by evaluation project"), "unit": _("points"),
        "domains": [d.code for d in result.domains], "names": [d.name for d in result.domains],
        "labels": {"expected": _("Forecast"), "band": _("Uncertainty band"), "points": _("Full points")},
        "expected": [float(as_decimal(d.expected)) for d in result.domains],
        "low": [float(as_decimal(d.low)) for d in result.domains],
        "high": [float(as_decimal(d.high)) for d in result.domains],
        "points": [float(as_decimal(d.points)) for d in result.domains],
    }


@require_safe
@login_required
def forecast_page(request):
    if not forecast_allowed(request.user):
        raise Http404
    edition = selectors.current_edition(request.user)
    result = forecast_compute(edition=edition) if edition else None
    if result is None:
        raise Http404
    return render(request, "evaluation/forecast.html", {
        "edition": edition, "result": result, "backtest": forecast_backtest(edition=edition),
        "chart": _chart(result),
    })


def _d(x: float) -> str:
    return str(as_decimal(x))


def forecast_json(result: Forecast, backtest: Backtest) -> dict:
    return {
        "edition": result.edition.code, "as_of": result.as_of.isoformat(),
        "points": _d(result.points), "forecast": _d(result.expected), "low": _d(result.low), "high": _d(result.high),
        "unknown_points": _d(result.unknown_points),
        "domains": [{"code": d.code, "name": d.name, "points": _d(d.points), "forecast": _d(d.expected),
                     "low": _d(d.low), "high": _d(d.high), "unknown_points": _d(d.unknown_points),
                     "criteria": [{"code": c.code, "points": _d(c.points), "forecast": _d(c.expected),
                                   "low": _d(c.low), "high": _d(c.high), "unknown_points": _d(c.unknown_points),
                                   "evidence": c.evidence} for c in d.criteria]}
                    for d in result.domains],
        "losers": [{"code": c.code, "text": c.text, "lost": _d(c.lost), "evidence": c.evidence}
                   for c in result.losers],
        "negative_list_at_risk": [{"code": r.code, "text": r.text, "field": r.field, **r.counts} for r in result.risks],
        "backtest": {
            "mae": _d(backtest.mae) if backtest.mae is not None else None,
            "domain_mae": {code: _d(v) for code, v in backtest.domain_mae.items()},
            "rounds": [{"round": r.round_code, "as_of": r.as_of.isoformat(), "forecast": _d(r.forecast),
                        "measured": _d(r.measured), "error": _d(r.error)} for r in backtest.rows],
        },
    }


class ForecastView(APIView):
    """The mock evaluation of the current edition: the forecast score with its band per 测评项目 and overall, each
    criterion's evidence, the criteria losing the most points, the negative-list items at risk, and the backtest."""

    @extend_schema(responses={200: dict})
    def get(self, request):
        if not forecast_allowed(request.user):
            raise NotFound
        edition = selectors.current_edition(request.user)
        result = forecast_compute(edition=edition) if edition else None
        if result is None:
            raise NotFound
        return Response(forecast_json(result, forecast_backtest(edition=edition)))
