"""The risk section of the weekly meeting page (campaign/meeting_detail.html), loaded as a template tag: the
campaign app does not import the evaluation app (layers), the page asks the tag for it."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from wenming.evaluation.risk_selectors import week_section

register = template.Library()


@register.inclusion_tag("evaluation/risk_meeting.html")
def risk_meeting_section(meeting):
    start = dt.datetime.combine(meeting.week_start, dt.time.min, tzinfo=timezone.get_current_timezone())
    return {"risk": week_section(start=start, end=start + dt.timedelta(days=7))}
