"""Composite indexes, grades, rankings, snapshots (draft → published, then frozen) and their corrections."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases.services.errors import NotAllowed, WorkflowError
from wenming.common.access import scope_for
from wenming.common.roles import PUBLISHERS
from wenming.common.services.audit import audit_event_record
from wenming.scoring.models import IndexVersion, Period, ScoreCorrection, ScoreSnapshot, SnapshotStatus
from wenming.scoring.services import inspection_index, kpi, task_index

FIRST_DAY = dt.date(2000, 1, 1)
GRADE_BANDS = [(90, "A"), (75, "B"), (60, "C"), (40, "D")]
# Fields compared between a published snapshot and a recomputation.
COMPARED = ("index", "grade", "rank", "marked", "volume")


def grade_for(index: float | None) -> str | None:
    if index is None:
        return None
    for floor, grade in GRADE_BANDS:
        if index >= floor:
            return grade
    return "E"


def day_bounds(*, now: dt.datetime | None = None) -> tuple[dt.date, dt.date]:
    """The days a snapshot may be computed for: from 2000 (no case data is older) to a month ahead (the running
    month's last day picked in advance). Beyond, a date is a slip, and 9999-12-31 would overflow the period."""
    today = timezone.localtime(now or timezone.now()).date()
    return FIRST_DAY, today + dt.timedelta(days=31)


def period_bounds(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The week (Monday first) or calendar month holding ``day``: first day and the day after the last."""
    if period == Period.WEEK:
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=7)
    if period == Period.MONTH:
        start = day.replace(day=1)
        return start, (start + dt.timedelta(days=32)).replace(day=1)
    raise WorkflowError(_("Period: choose a week or a month."))


def validate_weights(subject: str, weights: dict) -> None:
    allowed = set(kpi.SUBJECT_INDICATORS[subject]) | {"volume"}
    if not isinstance(weights, dict) or not weights:
        raise WorkflowError(_("Weights: give at least one indicator with its weight."))
    unknown = sorted(set(weights) - allowed)
    if unknown:
        raise WorkflowError(_("Weights: %(codes)s cannot be used for this index.") % {"codes": ", ".join(unknown)})
    try:
        total = sum(float(w) for w in weights.values())
    except (TypeError, ValueError):
        raise WorkflowError(_("Weights: every weight must be a number.")) from None
    if any(float(w) < 0 for w in weights.values()) or abs(total - 100) > 1e-6:
        raise WorkflowError(_("Weights: the weights must be positive and add up to 100 (now %(total)s).")
                            % {"total": round(total, 2)})


def indicator_codes(subject: str, version: IndexVersion) -> list[str]:
    """The indicators a snapshot under ``version`` carries: the task indicators only when the version weighs one
    of them, so a version set before they existed computes (and recomputes) exactly what it published."""
    codes = kpi.SUBJECT_INDICATORS[subject]
    if not set(task_index.CODES) & set(version.weights):
        codes = [c for c in codes if c not in task_index.CODES]
    return list(codes)


def index_version_for(subject: str, day: dt.date) -> IndexVersion:
    version = (
        IndexVersion.objects.filter(subject=subject, effective_from__lte=day)
        .exclude(effective_to__lt=day)
        .order_by("-effective_from", "-id")
        .first()
    )
    if version is None:
        raise WorkflowError(_("No index version is in effect on %(day)s; the city must set one first.") % {"day": day})
    return version


def index_version_create(*, subject: str, name: str, weights: dict, effective_from: dt.date, min_volume: int = 5,
                         volume_target: int = 50, actor=None) -> IndexVersion:
    """A new set of weights from a date on; the version in effect before it ends the day before."""
    validate_weights(subject, weights)
    with transaction.atomic():
        previous = IndexVersion.objects.select_for_update().filter(
            subject=subject, effective_from__lt=effective_from, effective_to__isnull=True
        )
        if IndexVersion.objects.filter(subject=subject, effective_from__gte=effective_from, used_at__isnull=False).exists():
            raise WorkflowError(_("Effective from: a version already used from that date on exists; choose a later date."))
        previous.update(effective_to=effective_from - dt.timedelta(days=1))
        version = IndexVersion.objects.create(
            subject=subject, name=name, weights=weights, effective_from=effective_from, min_volume=min_volume,
            volume_target=volume_target, created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_event_record(actor=actor if getattr(actor, "pk", None) else None, action="scoring.index_version",
                           summary=f"{version}", data={"id": version.pk, "weights": weights})
    return version


def score(figures: dict, version: IndexVersion) -> float | None:
    """The weighted index, 0–100, over the indicators that have a denominator (weights renormalised)."""
    total_weight, total = 0.0, 0.0
    for code, weight in version.weights.items():
        weight = float(weight)
        if code == "volume":
            value = min(figures["volume"] / version.volume_target, 1.0) if version.volume_target else 1.0
        else:
            value = figures["indicators"].get(code, {}).get("value")
            if value is None:
                continue
            if code == "overdue_count":
                due = figures["indicators"].get("handled_rate", {}).get("den") or 0
                value = 1 - (value / due) if due else None
                if value is None:
                    continue
            elif kpi.INDICATORS[code].get("negative"):
                value = 1 - value
        total_weight += weight
        total += weight * value
    if not total_weight:
        return None
    return round(total / total_weight * 100, 2)


def rank_subjects(rows: dict[str, dict], min_volume: int) -> None:
    """Rank in place: highest index first; a subject below the minimum volume is marked and left unranked."""
    ranked = [r for r in rows.values() if r["index"] is not None and r["volume"] >= min_volume]
    ranked.sort(key=lambda r: (-r["index"], -r["volume"], r["name"]))
    for row in rows.values():
        row["marked"] = row["volume"] < min_volume
        row["rank"] = None
    for position, row in enumerate(ranked, start=1):
        row["rank"] = position


def figures_compute(*, subject: str, start: dt.date, end: dt.date, version: IndexVersion,
                    cutoff: dt.datetime | None = None) -> tuple[dict, dict]:
    """Indicators, index, grade and rank of every subject; and, apart, the cases and events behind each
    indicator (kept in their own column so rankings load without them)."""
    tallies = kpi.compute_kpis(subject=subject, start=start, end=end, cutoff=cutoff)
    end_at = kpi.Period(start, end).end_at
    inspected = inspection_index.inspection_component(
        subject=subject, start_at=kpi.day_start(start), end_at=min(end_at, cutoff or timezone.now()))
    for key, group in inspected.items():
        # A unit with inspected sites and no case in the period is still scored (and marked for its volume).
        tallies.setdefault(key, kpi.SubjectKpis(key=key, name=group["name"]))
    codes = indicator_codes(subject, version)
    tasked = {}
    if task_index.REPORTS in codes:
        tasked = task_index.task_component(subject=subject, start=start, end=end,
                                           cutoff=min(end_at, cutoff or timezone.now()))
    for key, group in tasked.items():
        # Likewise a unit with tasks and no case: its task work is scored.
        tallies.setdefault(key, kpi.SubjectKpis(key=key, name=group["name"]))
    rows, evidence = {}, {}
    for key, subject_kpis in tallies.items():
        indicators = subject_kpis.figures(codes)
        if key in inspected:
            indicators[inspection_index.CODE] = inspected[key]["figure"]
        if key in tasked:
            indicators.update(tasked[key]["figures"])
        volume = subject_kpis.tallies["volume"].num if "volume" in subject_kpis.tallies else 0
        row = {"key": key, "name": subject_kpis.name, "volume": volume, "indicators": indicators}
        row["index"] = score(row, version)
        row["grade"] = grade_for(row["index"])
        rows[key] = row
        evidence[key] = {
            code: [[item["case"], item["num"], item["events"]] for item in tally.items.values()]
            for code, tally in subject_kpis.tallies.items() if code in codes or code == kpi.EXCLUDED
        }
        if key in inspected:
            evidence[key][inspection_index.SITES] = inspected[key]["sites"]
        if key in tasked:
            evidence[key][task_index.TASK_DUES] = tasked[key]["dues"]
            evidence[key][task_index.TASK_LAGGING] = tasked[key]["lagging"]
    rank_subjects(rows, version.min_volume)
    return {"rows": rows, "cutoff": (cutoff or kpi.Period(start, end).end_at).isoformat()}, evidence


def _require(actor, roles) -> None:
    if not (scope_for(actor).roles & roles):
        raise NotAllowed(_("Your role may not do this."))


def snapshot_compute(*, subject: str, period: str, day: dt.date, actor=None, now: dt.datetime | None = None) -> ScoreSnapshot:
    """Compute (or recompute) the draft snapshot of the period holding ``day``; a published one is corrected instead."""
    if subject not in kpi.SUBJECT_INDICATORS:
        raise WorkflowError(_("Evaluated: choose units, districts or inspectors."))
    if period not in Period.values:
        raise WorkflowError(_("Period: choose a week or a month."))
    now = now or timezone.now()
    first, last = day_bounds(now=now)
    if not first <= day <= last:
        raise WorkflowError(_("A day in the period: choose a day from %(first)s to %(last)s.")
                            % {"first": first.isoformat(), "last": last.isoformat()})
    start, end = period_bounds(period, day)
    with transaction.atomic():
        snapshot = ScoreSnapshot.objects.select_for_update().filter(subject=subject, period=period, start=start).first()
        if snapshot is not None and snapshot.is_published:
            snapshot_recompute(snapshot_id=snapshot.pk, now=now)
            return ScoreSnapshot.objects.get(pk=snapshot.pk)
        version = snapshot.index_version if snapshot else index_version_for(subject, start)
        figures, evidence = figures_compute(subject=subject, start=start, end=end, version=version,
                                            cutoff=min(kpi.day_start(end), now))
        if snapshot is None:
            snapshot = ScoreSnapshot(subject=subject, period=period, start=start, end=end, index_version=version)
        snapshot.figures, snapshot.evidence, snapshot.computed_at = figures, evidence, now
        snapshot.save()
    return snapshot


def snapshot_publish(*, snapshot_id: int, actor, now: dt.datetime | None = None) -> ScoreSnapshot:
    """Publish a draft whose period is over: its figures are frozen from now on, and its index version locked."""
    _require(actor, PUBLISHERS)
    now = now or timezone.now()
    with transaction.atomic():
        snapshot = ScoreSnapshot.objects.select_for_update().get(pk=snapshot_id)
        if snapshot.is_published:
            raise WorkflowError(_("This snapshot is already published."))
        if now < kpi.day_start(snapshot.end):
            raise WorkflowError(_("The period is not over yet; publish it after %(day)s.") % {"day": snapshot.end})
        # Published figures are those of the whole period: computed again now that the period is over.
        snapshot.figures, snapshot.evidence = figures_compute(
            subject=snapshot.subject, start=snapshot.start, end=snapshot.end, version=snapshot.index_version,
            cutoff=kpi.day_start(snapshot.end),
        )
        snapshot.computed_at = now
        snapshot.status, snapshot.published_at, snapshot.published_by = SnapshotStatus.PUBLISHED, now, actor
        snapshot.save()
        IndexVersion.objects.filter(pk=snapshot.index_version_id, used_at__isnull=True).update(used_at=now)
        snapshot.index_version.refresh_from_db(fields=["used_at"])
        audit_event_record(actor=actor, action="scoring.snapshot_publish", summary=str(snapshot),
                           data={"snapshot": snapshot.pk})
    return snapshot


def figures_diff(published: dict, recomputed: dict) -> list[dict]:
    diff = []
    old_rows, new_rows = published.get("rows", {}), recomputed.get("rows", {})
    for key in sorted(set(old_rows) | set(new_rows)):
        old, new = old_rows.get(key, {}), new_rows.get(key, {})
        name = new.get("name") or old.get("name") or key
        for name_field in COMPARED:
            if old.get(name_field) != new.get(name_field):
                diff.append({"key": key, "name": name, "field": name_field, "published": old.get(name_field),
                             "recomputed": new.get(name_field)})
        for code in sorted(set(old.get("indicators", {})) | set(new.get("indicators", {}))):
            a, b = old.get("indicators", {}).get(code, {}), new.get("indicators", {}).get(code, {})
            if (a.get("num"), a.get("den")) != (b.get("num"), b.get("den")):
                diff.append({"key": key, "name": name, "field": code,
                             "published": f"{a.get('num')}/{a.get('den')}", "recomputed": f"{b.get('num')}/{b.get('den')}"})
    return diff


def snapshot_recompute(*, snapshot_id: int, now: dt.datetime | None = None, note: str = "") -> ScoreCorrection | None:
    """Recompute a published snapshot with its own index version and cutoff; a difference becomes a correction.

    The published figures are never touched. Nothing is recorded when the result is what was published or
    what the latest correction already says.
    """
    now = now or timezone.now()
    with transaction.atomic():
        snapshot = ScoreSnapshot.objects.select_for_update().get(pk=snapshot_id)
        if not snapshot.is_published:
            raise WorkflowError(_("Only a published snapshot is corrected; recompute the draft instead."))
        figures, evidence = figures_compute(subject=snapshot.subject, start=snapshot.start, end=snapshot.end,
                                            version=snapshot.index_version, cutoff=kpi.day_start(snapshot.end))
        diff = figures_diff(snapshot.figures, figures)
        latest = snapshot.corrections.order_by("-computed_at", "-id").first()
        if not diff or (latest is not None and latest.diff == diff):
            return None
        correction = ScoreCorrection.objects.create(snapshot=snapshot, figures=figures, evidence=evidence, diff=diff,
                                                    computed_at=now,
                                                    note=note[:500])
        audit_event_record(action="scoring.snapshot_correction", summary=str(snapshot),
                           data={"snapshot": snapshot.pk, "correction": correction.pk, "changes": len(diff)})
    return correction


def snapshots_due(*, now: dt.datetime | None = None) -> dict:
    """The scheduled job (daily; over a million cases a month's figures take about half a minute): recompute
    the drafts of the running week and month and of the periods just ended, and recompute the published
    snapshots of the last periods for corrections."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    done = {"drafts": 0, "corrections": 0, "skipped": []}
    jobs = []
    for period in (Period.WEEK, Period.MONTH):
        current_start, _end = period_bounds(period, today)
        for day in (today, current_start - dt.timedelta(days=1)):
            jobs += [(period, day, subject) for subject in kpi.SUBJECT_INDICATORS]
    with kpi.shared_loads():  # the three subjects of a period read its events once
        for period, day, subject in jobs:
            try:
                before = ScoreSnapshot.objects.filter(subject=subject, period=period,
                                                      start=period_bounds(period, day)[0]).first()
                if before is not None and before.is_published:
                    done["corrections"] += 1 if snapshot_recompute(snapshot_id=before.pk, now=now) else 0
                else:
                    snapshot_compute(subject=subject, period=period, day=day, now=now)
                    done["drafts"] += 1
            except WorkflowError as error:
                done["skipped"].append(f"{subject}/{period}/{day}: {error}")
    return done
