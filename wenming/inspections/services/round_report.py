"""The round report (暗访通报材料): a Word document, A4, from a round's scores and findings.

It prints like the weekly meeting pack (``reports.meeting``: its styles, page and footer with page numbers reused,
its table layout followed by ``_table`` below, so the office's documents look alike): the round's title, scope, dates and firm, the
sampling method in one paragraph, the city's pass rate and score, a table per district and per unit (rank, score,
sites, 不符合 / 严重不合格 counts, rectified so far), the rankings in words, and the worst findings with their photos.

Who is named: the third-party firm (the office commissioned it; its name is on the round and on every finding's
case as the reporter name), never an inspector: nothing here reads who recorded a result, and a finding is told by
its item's code and text, not by the inspector's note (free text, which could carry a name).

Rectified so far: findings whose case is verified (已核查) or closed (已结案). Photos: the case's first before-photo
(问题照片), its shared copy (no EXIF), shrunk to at most 1000 pixels a side; 严重不合格 first, then the lowest site
scores. A planned round can be printed by its planners as a draft; the title says so.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP

from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm

from wenming.cases.models import Evidence
from wenming.common.images import ImageRefused, image_decode, image_jpeg
from wenming.common.tabular import text_cell
from wenming.inspections.models import Outcome, Result, Round, RoundState
from wenming.inspections.models.schemes import FAILING
from wenming.inspections.services.rounds import findings as round_findings
from wenming.inspections.services.scoring import CENT, HUNDRED, GroupScore, RoundScores, round_scores
from wenming.reports.meeting import (
    TABLE_STYLE,
    TEXT_WIDTH,
    Column,
    _footer,
    _page,
    _row_flag,
    _styles,
    _table,
    beijing_time,
)

logger = logging.getLogger(__name__)

WORST_FINDINGS = 12
PHOTO_SIDE = 1000  # pixels: sharp at 7 cm on paper, small in the file
PHOTO_WIDTH = Mm(70)
RECTIFIED_STATES = frozenset({"verified", "closed"})


@dataclass
class Tally:
    failed: int = 0
    severe: int = 0
    rectified: int = 0


def _day(value: dt.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _score(value) -> str:
    return "—" if value is None else f"{value}"


def _tallies(scores: RoundScores, findings: list[Result]) -> tuple[dict[str, Tally], dict[str, Tally]]:
    """不符合 / 严重不合格 / rectified per district and per unit (by the site's district and guarantor, as scored)."""
    by_site = {s.site_id: s for s in scores.sites}
    districts: dict[str, Tally] = {}
    units: dict[str, Tally] = {}
    for finding in findings:
        site = by_site.get(finding.assignment.site_id)
        if site is None:
            continue
        keys = [(districts, site.district)] + ([(units, site.unit)] if site.unit else [])
        for table, key in keys:
            tally = table.setdefault(key, Tally())
            if finding.outcome == Outcome.SEVERE:
                tally.severe += 1
            else:
                tally.failed += 1
            if finding.case_id and finding.case.state in RECTIFIED_STATES:
                tally.rectified += 1
    return districts, units


def _group_columns(label: str) -> list[Column]:
    return [Column(_("Rank"), 0.6, True), Column(label, 2.6), Column(_("Score"), 0.9, True),
            Column(_("Sites scored"), 0.9, True), Column(_("Non-compliant items (不符合)"), 1.1, True),
            Column(_("Seriously non-compliant items (严重不合格)"), 1.2, True), Column(_("Rectified so far"), 1, True)]


def _group_rows(groups: list[GroupScore], tallies: dict[str, Tally]) -> list[list]:
    rows = []
    for g in groups:
        t = tallies.get(g.name, Tally())
        rows.append([g.rank or "—", g.name or _("(no district)"), _score(g.score), len(g.scored), t.failed, t.severe,
                     t.rectified])
    return rows


def _ranking_line(label: str, groups: list[GroupScore]) -> str | None:
    ranked = [g for g in groups if g.rank]
    if not ranked:
        return None
    top = "、".join(g.name for g in ranked if g.rank == ranked[0].rank)
    bottom_rank = ranked[-1].rank
    bottom = "、".join(g.name for g in ranked if g.rank == bottom_rank)
    return _("%(label)s: first %(top)s (%(top_score)s); last %(bottom)s (%(bottom_score)s).") % {
        "label": label, "top": top, "top_score": ranked[0].score, "bottom": bottom, "bottom_score": ranked[-1].score}


def _method(round_: Round) -> str:
    strata = round_.method.get("strata", [])
    population = sum(int(s.get("population") or 0) for s in strata)
    sample = sum(int(s.get("size") or 0) for s in strata)
    return _("Sampling: stratified simple random sampling without replacement. The active sites of the round's site "
             "types in its scope were split into %(strata)d strata by district × site type; in each stratum "
             "%(default)d sites (or the size set for it) were drawn from the sites in code order by a random "
             "generator seeded with the round's seed %(seed)s, %(sample)d sites of %(population)d in all. The same "
             "seed and the same sites always draw the same sample.") % {
        "strata": len(strata), "default": round_.default_sample_size, "seed": round_.seed, "sample": sample,
        "population": population}


def _worst(findings: list[Result], scores: RoundScores) -> list[Result]:
    site_score = {s.site_id: s.score for s in scores.sites}

    def key(f: Result):
        score = site_score.get(f.assignment.site_id)
        return (f.outcome != Outcome.SEVERE, score is None, score or 0, f.assignment.site.code, f.item.sort,
                f.item.code)

    return sorted(findings, key=key)[:WORST_FINDINGS]


def _photo(finding: Result) -> bytes | None:
    """The finding's photo as a small JPEG, or None when the case has none or it cannot be read."""
    photos = getattr(finding.case, "before_photos", []) if finding.case_id else []
    if not photos:
        return None
    evidence = photos[0]
    stored = evidence.public_file or evidence.file
    try:
        with stored.open("rb") as handle:
            content = handle.read()
        decoded = image_decode(content=content, name=stored.name, max_side=PHOTO_SIDE * 2)
    except (OSError, ImageRefused, ValueError):
        # A missing file on disk must not stop the report; the row says so instead of showing a picture.
        logger.warning("round report: photo %s of case %s unreadable", evidence.pk, finding.case_id)
        return None
    return image_jpeg(decoded.image, size=(PHOTO_SIDE, PHOTO_SIDE))


def _finding_block(doc, number: int, finding: Result) -> None:
    """One finding: the photo on the left, what and where on the right, in a two-cell table that never splits."""
    site = finding.assignment.site
    case = finding.case
    table = doc.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [PHOTO_WIDTH + Mm(4), TEXT_WIDTH - PHOTO_WIDTH - Mm(4)]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    row = table.rows[0]
    _row_flag(row, "w:cantSplit")
    left, right = row.cells
    left.width, right.width = widths
    picture = _photo(finding)
    paragraph = left.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if picture:
        paragraph.add_run().add_picture(io.BytesIO(picture), width=PHOTO_WIDTH)
    else:
        paragraph.style = doc.styles[TABLE_STYLE]
        paragraph.add_run(_("(no photo)"))
    lines = [
        (_("Finding %(number)d") % {"number": number}, str(Outcome(finding.outcome).label)),
        (_("Site"), f"{site.name}（{site.code}）"),
        (_("Item"), f"{finding.item.code} {finding.item.text}"),
        (_("District"), finding.assignment.district.name if finding.assignment.district_id else "—"),
        (_("Responsible unit"), case.unit.name if case and case.unit_id else _("(not dispatched yet)")),
        (_("Case"), f"{case.number} · {case.get_state_display()}" if case else "—"),
        (_("Observed"), beijing_time(finding.observed_at)),
    ]
    first = True
    for label, value in lines:
        paragraph = right.paragraphs[0] if first else right.add_paragraph()
        first = False
        paragraph.style = doc.styles[TABLE_STYLE]
        paragraph.add_run(f"{label}：").bold = True
        paragraph.add_run(text_cell(value))
    doc.add_paragraph()


def _findings(round_: Round) -> list[Result]:
    photos = Prefetch("case__evidence", queryset=Evidence.objects.filter(kind=Evidence.Kind.BEFORE).order_by("pk"),
                      to_attr="before_photos")
    # The district's outline and the site's and case's geometry and routing are big JSON nobody prints here:
    # decoding them was most of the report's time on a 5,000-site round (docs/benchmarks.md).
    return list(round_findings(round_).prefetch_related(photos).defer(
        "assignment__district__geometry", "assignment__site__geometry", "case__routing"))


def round_report_docx(*, round_: Round, now: dt.datetime | None = None) -> bytes:
    scores = round_scores(round_)
    findings = _findings(round_)
    district_tally, unit_tally = _tallies(scores, findings)
    doc = Document()
    _page(doc)
    _styles(doc)
    _footer(doc, beijing_time(now or timezone.now()))
    title = _("Inspection report: %(name)s") % {"name": round_.name}
    # The document's own properties name no person (python-docx's template would say "python-docx").
    doc.core_properties.title = text_cell(title)
    doc.core_properties.author = doc.core_properties.last_modified_by = ""
    doc.core_properties.comments = ""
    doc.add_paragraph(text_cell(title), style="Title").alignment = WD_ALIGN_PARAGRAPH.CENTER
    if round_.state != RoundState.RELEASED:
        doc.add_paragraph(_("Draft: the findings of this round are not released yet; do not circulate.")).alignment = (
            WD_ALIGN_PARAGRAPH.CENTER)
    scope = "、".join([d.name for d in round_.districts.order_by("code")] + [u.name for u in round_.units.order_by("code")])
    facts = [
        (_("Round code"), round_.code),
        (_("Dates"), _("%(start)s to %(end)s") % {"start": _day(round_.starts_on), "end": _day(round_.ends_on)}),
        (_("Scope"), scope or "—"),
        (_("Third-party firm"), round_.firm_name),
    ]
    if round_.released_at:
        facts.append((_("Findings released"), beijing_time(round_.released_at)))
    for label, value in facts:
        paragraph = doc.add_paragraph()
        paragraph.add_run(f"{label}：").bold = True
        paragraph.add_run(text_cell(value))
    doc.add_paragraph(_method(round_))

    doc.add_heading(_("Overall result"), level=1)
    scored = [s for s in scores.sites if s.score is not None]
    applicable = sum((s.applicable_weight for s in scores.sites), start=0)
    passed = sum((s.passed_weight for s in scores.sites), start=0)
    rate = (HUNDRED * passed / applicable).quantize(CENT, rounding=ROUND_HALF_UP) if applicable else None
    mean = (sum(s.score for s in scored) / len(scored)).quantize(CENT, rounding=ROUND_HALF_UP) if scored else None
    severe = sum(1 for f in findings if f.outcome == Outcome.SEVERE)
    rectified = sum(1 for f in findings if f.case_id and f.case.state in RECTIFIED_STATES)
    doc.add_paragraph(_(
        "%(sites)d sites scored. Pass rate (weighted by the items' weights): %(rate)s%%. Mean site score: %(score)s. "
        "Findings: %(findings)d (of which %(severe)d seriously non-compliant); rectified so far: %(rectified)d.") % {
        "sites": len(scored), "rate": _score(rate), "score": _score(mean), "findings": len(findings),
        "severe": severe, "rectified": rectified})
    doc.add_paragraph(_("Site score = 100 × weight of the items passed ÷ weight of the items that apply − 5 per "
                        "seriously non-compliant item (at least 0); a district's and a unit's score are the mean of "
                        "their sites' scores; equal scores share a rank."))

    doc.add_heading(_("By district"), level=1)
    _table(doc, _group_columns(_("District")), _group_rows(scores.districts, district_tally))
    doc.add_heading(_("By unit (包保单位)"), level=1)
    _table(doc, _group_columns(_("Unit")), _group_rows(scores.units, unit_tally))

    doc.add_heading(_("Rankings"), level=1)
    lines = [_ranking_line(_("Districts"), scores.districts), _ranking_line(_("Units"), scores.units)]
    for line in [x for x in lines if x] or [_("No site scored yet.")]:
        doc.add_paragraph(text_cell(line))

    worst = _worst([f for f in findings if f.outcome in FAILING], scores)
    doc.add_heading(_("Worst findings"), level=1)
    if not worst:
        doc.add_paragraph(_("None."))
    else:
        doc.add_paragraph(_("%(shown)d of %(total)d findings, seriously non-compliant first, then the lowest site "
                            "scores.") % {"shown": len(worst), "total": len(findings)})
    for number, finding in enumerate(worst, 1):
        _finding_block(doc, number, finding)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
