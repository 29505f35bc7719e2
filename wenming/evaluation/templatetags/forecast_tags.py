"""The mock evaluation's section of the weekly meeting page (campaign/meeting_detail.html), as a template tag: the
campaign app does not import the evaluation app (layers), the page asks the tag for it."""

from __future__ import annotations

from django import template

from wenming.evaluation.services.forecast import forecast_week

register = template.Library()


@register.inclusion_tag("evaluation/forecast_meeting.html")
def forecast_meeting_section(meeting):
    return {"lines": forecast_week(week_start=meeting.week_start)}
