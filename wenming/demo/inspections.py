"""The demo's inspections: schemes for three site types (农贸市场, 学校, 背街小巷) loaded through the import, one
round over 桃城区 and one other district sampled from a fixed seed and dealt to the demo inspector (anfang), and
results on the round's first day with a few findings that became cases. The round stays unannounced (planned):
log in as zhiban or ceping to see it, as anfang to see the day's sites.

Before it, a history for the mock evaluation's backtest: five released rounds (DEMO-H1…DEMO-H5, one a month, the
last ending a week ago) over four districts, their pass rates improving unevenly by district and site type, drawn
from fixed seeds. They hold results only, written in bulk (their failures are not filed as cases, which would cost
``make demo`` minutes): the forecast page and its backtest read them; the cases and follow-up stay DEMO-R1's."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import tempfile
import uuid
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from PIL import Image

from wenming.campaign.models import Campaign
from wenming.cases.services import workflow as wf
from wenming.common.errors import WorkflowError
from wenming.evaluation.models import Clause
from wenming.inspections.models import AssignmentKind, Result, Round, RoundState, Scheme
from wenming.inspections.services import results as res
from wenming.inspections.services.rounds import round_plan, round_release
from wenming.inspections.services.schemes import COLUMNS, scheme_import
from wenming.org.models import Area, AreaLevel, Person
from wenming.scoring.models import IndexVersion
from wenming.scoring.services.scores import index_version_create

ROUND_CODE = "DEMO-R1"
SEED = 20260301
# site type, item code, text, case category, weight, a word to find the 测评标准 clause by, sampling rule, m, count
ITEMS = [
    ("market", "农贸市场-01-01", "划行归市，地面干净无积水、无垃圾", "SJ0103", 2, "划行归市", "", None, None),
    ("market", "农贸市场-01-02", "设置公平秤并定期校验", "SJ0902", 1, "公平秤", "", None, None),
    ("market", "农贸市场-01-03", "市场周边无占道经营、马路市场", "SJ0403", 2, "", "", None, None),
    ("market", "农贸市场-02-01", "公益广告数量充足、无破损", "SJ0203", 1, "公益广告设施", "", None, None),
    ("school", "学校-01-01", "学校周边200米内无网吧、游戏厅等经营场所", "SJ0701", 2, "网吧", "沿学校周边200米步行检查",
     200, None),
    ("school", "学校-01-02", "校园周边无销售三无食品和不良文具", "SJ0702", 2, "三无食品", "", None, None),
    ("school", "学校-01-03", "上下学时段交通秩序良好", "SJ0704", 1, "", "", None, None),
    ("alley", "背街小巷-01-01", "路面平整、路灯完好", "SJ0304", 1, "路面平整", "", None, None),
    ("alley", "背街小巷-01-02", "无暴露垃圾、卫生死角", "SJ0101", 2, "", "", None, None),
    ("alley", "背街小巷-01-03", "公益广告数量充足、内容规范", "SJ0203", 1, "公益广告数量", "沿巷步行300米计数公益广告",
     300, 5),
]
# The results recorded on the first day: which items fail at the first few sites (by position in the day).
FAILS = {0: {"农贸市场-01-03": "fail", "学校-01-02": "fail", "背街小巷-01-02": "fail"},
         1: {"农贸市场-02-01": "fail", "学校-01-03": "fail", "背街小巷-01-03": "fail"},
         2: {"农贸市场-01-01": "severe", "学校-01-01": "severe", "背街小巷-01-01": "fail", "背街小巷-01-02": "severe"},
         3: {"农贸市场-01-02": "fail", "学校-01-03": "fail", "背街小巷-01-01": "fail"}}


def _clause(word: str) -> str:
    if not word:
        return ""
    clause = (Clause.objects.filter(criterion__edition__is_current=True, text__contains=word)
              .select_related("criterion").order_by("pk").first())
    return str(clause) if clause else ""


def scheme_rows() -> list[dict]:
    names = {"market": "农贸市场暗访方案", "school": "学校周边暗访方案", "alley": "背街小巷暗访方案"}
    return [{"site_type": t, "scheme_name": names[t], "code": code, "text": text, "clause": _clause(word),
             "category": category, "weight": weight, "sampling_rule": rule, "distance_m": m or "", "min_count": n or ""}
            for t, code, text, category, weight, word, rule, m, n in ITEMS]


def scheme_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _photo(n: int) -> wf.Upload:
    out = io.BytesIO()
    Image.new("RGB", (96, 72), (150 + 20 * n % 100, 60, 60)).save(out, format="JPEG")
    return wf.Upload(name=f"finding-{n}.jpg", content=out.getvalue())


def inspections_demo_build(*, record: bool = True) -> dict:
    """Schemes, the demo round and its first day's results (leaves what is there already)."""
    office = Person.objects.get(username="ceping") if Person.objects.filter(username="ceping").exists() else \
        Person.objects.get(username="zhiban")
    inspector = Person.objects.get(username="anfang")
    counts = {"schemes": 0, "sites": 0, "results": 0, "findings": 0}
    if not Scheme.objects.exists():
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "schemes.csv"
            path.write_bytes(scheme_csv(scheme_rows()))
            counts["schemes"] = len(scheme_import(path=path, actor=office, note="演示方案").schemes)
    if Round.objects.filter(code=ROUND_CODE).exists():
        return counts
    districts = list(Area.objects.filter(level=AreaLevel.COUNTY).order_by("code")[:2])
    start = timezone.localdate()
    with transaction.atomic():
        round_ = round_plan(
            actor=office, code=ROUND_CODE, name="2026年第一批次第三方暗访（演示）", starts_on=start,
            ends_on=start + dt.timedelta(days=2), firm_name="演示测评咨询有限公司", inspectors=[inspector],
            schemes=list(Scheme.objects.filter(site_type__code__in=["market", "school", "alley"])), seed=SEED,
            districts=districts, default_sample_size=2)
    counts["sites"] = round_.assignments.count()
    if not record:
        return counts
    counts["history"] = history_build(office=office, inspector=inspector)
    now = timezone.now()
    for position, assignment in enumerate(round_.assignments.filter(day=start).select_related("site")
                                          .prefetch_related("scheme__items").order_by("site__code")[:4]):
        observations = []
        for item in assignment.scheme.items.all():
            outcome = FAILS.get(position, {}).get(item.code, "pass")
            failing = outcome != "pass"
            observations.append(res.Observation(
                client_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{ROUND_CODE}/{assignment.pk}/{item.code}")),
                assignment_id=assignment.pk, item_code=item.code, outcome=outcome, observed_at=now,
                note="现场发现问题" if failing else "", lng=assignment.site.lng if failing else None,
                lat=assignment.site.lat if failing else None, photo=_photo(position) if failing else None))
        answers = res.results_sync(actor=inspector, observations=observations)
        counts["results"] += sum(a.status == res.CREATED for a in answers)
        counts["findings"] += sum(bool(a.case_number) for a in answers)
    return counts


HISTORY = 5
HISTORY_SEED = 20251001
# How fast each district improves from round to round (by position in code order), and each site type's start.
DISTRICT_PACE = [0.09, 0.03, 0.06, -0.01]
TYPE_START = {"market": 0.62, "school": 0.78, "alley": 0.55}


def history_pass_rate(*, k: int, district: int, site_type: str) -> float:
    """The chance an item passes in history round k (1…5) in the district at that position, of that site type."""
    return min(0.97, max(0.3, TYPE_START[site_type] + DISTRICT_PACE[district % len(DISTRICT_PACE)] * (k - 1)))


def history_build(*, office: Person, inspector: Person) -> dict:
    """The released rounds DEMO-H1…H5 before DEMO-R1 (leaves them if there): planned through the service (the
    sampling is the real one), results written in bulk from a fixed seed, released, and dated back."""
    counts = {"rounds": 0, "results": 0}
    if Round.objects.filter(code="DEMO-H1").exists():
        return counts
    districts = list(Area.objects.filter(level=AreaLevel.COUNTY).order_by("code")[:4])
    position = {d.pk: i for i, d in enumerate(districts)}
    # The latest version of each site type's scheme.
    schemes = Scheme.objects.filter(site_type__code__in=list(TYPE_START)).order_by("site_type__code", "version")
    latest = list({s.site_type_id: s for s in schemes}.values())
    today = timezone.localdate()
    rng = random.Random(HISTORY_SEED)
    for k in range(1, HISTORY + 1):
        starts = today - dt.timedelta(days=130 - 30 * (k - 1))
        code = f"DEMO-H{k}"
        with transaction.atomic():
            round_ = round_plan(actor=office, code=code, name=f"历史第{k}批次第三方暗访（演示）", starts_on=starts,
                                ends_on=starts + dt.timedelta(days=2), firm_name="演示测评咨询有限公司",
                                inspectors=[inspector], schemes=latest, seed=HISTORY_SEED + k, districts=districts,
                                default_sample_size=3)
            results = []
            for a in (round_.assignments.filter(kind=AssignmentKind.INSPECT).select_related("site__site_type")
                      .prefetch_related("scheme__items").order_by("site__code")):
                rate = history_pass_rate(k=k, district=position.get(a.district_id, 0), site_type=a.site.site_type.code)
                observed = timezone.make_aware(dt.datetime.combine(a.day, dt.time(10)))
                for item in a.scheme.items.all():
                    draw = rng.random()
                    outcome = "pass" if draw < rate else ("severe" if draw > 0.97 else "fail")
                    results.append(Result(round=round_, assignment=a, item=item, outcome=outcome, observed_at=observed,
                                          recorded_by=inspector, note="历史批次" if outcome != "pass" else "",
                                          client_id=uuid.uuid5(uuid.NAMESPACE_URL, f"{code}/{a.pk}/{item.code}")))
            Result.objects.bulk_create(results)
            round_release(round_id=round_.pk, actor=office)
            released = timezone.make_aware(dt.datetime.combine(starts + dt.timedelta(days=5), dt.time(9)))
            Round.objects.filter(pk=round_.pk).update(state=RoundState.RELEASED, released_at=released)
        counts["rounds"] += 1
        counts["results"] += len(results)
    return counts


# The demo's index versions weighing the inspection score (暗访得分), from the month the history starts: the city's
# choice, shown so the explanation pages go down to the findings. Cities set their own (docs/scoring.md).
INSPECTION_WEIGHTS = [
    ("unit", "结案率25 + 按期处置率25 + (1−返工率)20 + 暗访得分20 + 量10",
     {"closed_rate": 25, "handled_on_time_rate": 25, "rework_rate": 20, "inspection_score": 20, "volume": 10}),
    ("district", "结案率30 + 按期结案率30 + 监督举报率15 + 暗访得分25",
     {"closed_rate": 30, "closed_on_time_rate": 30, "public_report_rate": 15, "inspection_score": 25}),
]


# Then, within the demo campaign, a unit index that also weighs task work (进度报送及时率, 任务滞后率), so the explanation
# pages go down to the tasks and their due days. The months before keep the version above: versions are by date.
TASK_WEIGHTS = (
    "unit", "结案率20 + 按期处置率20 + (1−返工率)10 + 暗访得分15 + 进度报送及时率15 + (1−任务滞后率)15 + 量5",
    {"closed_rate": 20, "handled_on_time_rate": 20, "rework_rate": 10, "inspection_score": 15,
     "task_report_on_time_rate": 15, "tasks_lagging_rate": 15, "volume": 5},
)
TASK_WEIGHTS_DAYS_BACK = 60


def index_weights_demo_build(*, today: dt.date | None = None) -> int:
    """Index versions with the inspection score from the first of the month 180 days back; none if one weighs it
    already, or if a used version from that day on makes it a new version's choice (left to the city). Then the
    unit version weighing task work (``task_weights_demo_build``)."""
    today = today or timezone.localdate()
    start = (today - dt.timedelta(days=180)).replace(day=1)
    made = 0
    for subject, name, weights in INSPECTION_WEIGHTS:
        if IndexVersion.objects.filter(subject=subject, weights__has_key="inspection_score").exists():
            continue
        try:
            index_version_create(subject=subject, name=name, weights=weights, effective_from=start)
        except WorkflowError:
            continue
        made += 1
    return made + task_weights_demo_build(today=today, after=start)


def task_weights_demo_build(*, today: dt.date, after: dt.date) -> int:
    """The unit version weighing task work, from the first of the month ``TASK_WEIGHTS_DAYS_BACK`` days back, but
    within the demo campaign and after ``after`` (the inspection version's first day). None without a campaign,
    if one weighs task work already, or if a used version from that day on leaves the choice to the city."""
    subject, name, weights = TASK_WEIGHTS
    campaign = Campaign.objects.filter(starts_on__isnull=False).order_by("-starts_on").first()
    if campaign is None or IndexVersion.objects.filter(subject=subject,
                                                       weights__has_key="task_report_on_time_rate").exists():
        return 0
    day = max((today - dt.timedelta(days=TASK_WEIGHTS_DAYS_BACK)).replace(day=1), campaign.starts_on,
              after + dt.timedelta(days=1))
    if campaign.ends_on and day > campaign.ends_on:
        return 0
    try:
        index_version_create(subject=subject, name=name, weights=weights, effective_from=day)
    except WorkflowError:
        return 0
    return 1
