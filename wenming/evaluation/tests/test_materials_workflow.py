"""The materials review cycle through the one locked step: submit → return with comments → resubmit → approve with
a grade; every step an event, notifications to the office on upload and to the unit on review; the version the
page showed (stale refused), the window (locked once closed), who may take which step; the requirement edit and
import (dry run, rows named, nothing half-written); the reminders scan (idempotent)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wenming.evaluation.tests.material_world import (  # noqa: F401
    cg_material,
    doc_material,
    pdf_bytes,
    png,
    review,
    submit,
    window,
)

# The fixtures come from material_world by import (pytest finds them in the module), hence F811 on each use.
# ruff: noqa: F811
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]


def _notified(person, prefix: str) -> list[str]:
    from wenming.common.models import Notification

    return list(Notification.objects.filter(recipient=person, subject__startswith=prefix).values_list("subject", flat=True))


def test_the_review_cycle(cg_material, people):
    from wenming.evaluation.models import MaterialEvent, MaterialRequirement

    chengguan, ceping = people["chengguan"], people["ceping"]
    first = submit(cg_material, chengguan, [("前.png", png(pattern=1)), ("后.png", png(pattern=2))], note="第一批")
    assert first.submission.revision == 1 and first.submission.unit.code == "CGJ-131102"
    assert _notified(ceping, "Material to review: P5.1.2")
    review(cg_material, ceping, "return", note="缺少整治后照片的拍摄日期")
    req = MaterialRequirement.objects.get(pk=cg_material.pk)
    assert req.state == "returned" and req.latest.review_note == "缺少整治后照片的拍摄日期"
    assert _notified(chengguan, "Material returned, correct it: P5.1.2")
    second = submit(cg_material, chengguan, [("前.png", png(pattern=1)), ("后-带日期.png", png(pattern=5))],
                    key="resubmit")
    assert second.submission.revision == 2 and second.requirement.state == "resubmitted"
    review(cg_material, ceping, "approve", grade="good")
    req = MaterialRequirement.objects.get(pk=cg_material.pk)
    assert (req.state, req.latest.revision, req.latest.grade, req.latest.reviewed_by) == ("approved", 2, "good", ceping)
    assert req.submissions.get(revision=1).state == "returned"  # the old version keeps its own outcome
    assert list(MaterialEvent.objects.filter(requirement=req).exclude(action="edited").order_by("at", "id")
                .values_list("action", "from_state", "to_state")) == [
        ("submitted", "missing", "submitted"), ("returned", "submitted", "returned"),
        ("resubmitted", "returned", "resubmitted"), ("approved", "resubmitted", "approved")]
    assert _notified(chengguan, "Material approved")


def test_a_return_needs_comments_and_an_approval_a_grade(cg_material, people):
    from wenming.common.errors import WorkflowError

    submit(cg_material, people["chengguan"], [("a.png", png(pattern=1)), ("b.png", png(pattern=2))])
    with pytest.raises(WorkflowError, match="Comments"):
        review(cg_material, people["ceping"], "return", note="  ")
    with pytest.raises(WorkflowError, match="Quality grade"):
        review(cg_material, people["ceping"], "approve", grade="perfect")


def test_too_few_files_are_refused(cg_material, people):
    from wenming.common.errors import WorkflowError

    with pytest.raises(WorkflowError, match="needs 2 files; you chose 1"):
        submit(cg_material, people["chengguan"], [("a.png", png())])


def test_a_stale_page_is_refused(cg_material, people):
    from wenming.evaluation.services.materials import MaterialUpload, StaleMaterial, material_step

    seen = cg_material.version
    submit(cg_material, people["chengguan"], [("a.png", png(pattern=1)), ("b.png", png(pattern=2))])
    with pytest.raises(StaleMaterial):
        material_step(requirement_id=cg_material.pk, actor=people["ceping"], action_key="approve",
                      expected_version=seen, grade="excellent")
    with pytest.raises(StaleMaterial):
        material_step(requirement_id=cg_material.pk, actor=people["chengguan_lead"], action_key="resubmit",
                      expected_version=seen, files=[MaterialUpload("a.png", png()), MaterialUpload("b.png", png())])


def test_the_closed_window_locks_uploads_and_reviews(cg_material, window, people):
    from wenming.evaluation.models import MaterialRequirement, SubmissionWindow
    from wenming.evaluation.services.materials import WindowClosed, material_actions_for

    submit(cg_material, people["chengguan"], [("a.png", png(pattern=1)), ("b.png", png(pattern=2))])
    # Nothing changes the window row: the clock passing its close is enough.
    SubmissionWindow.objects.filter(pk=window.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(WindowClosed):
        review(cg_material, people["ceping"], "approve", grade="good")
    with pytest.raises(WindowClosed):
        submit(cg_material, people["chengguan"], [("a.png", png(pattern=3)), ("b.png", png(pattern=4))],
               key="resubmit")
    req = MaterialRequirement.objects.get(pk=cg_material.pk)
    assert req.state == "submitted" and req.submissions.count() == 1
    assert material_actions_for(req, people["ceping"]) == []


def test_who_may_take_which_step(cg_material, doc_material, people):
    from wenming.common.errors import IllegalTransition, NotAllowed
    from wenming.evaluation.models import MaterialRequirement
    from wenming.evaluation.services.materials import material_actions_for

    files = [("a.png", png(pattern=1)), ("b.png", png(pattern=2))]
    with pytest.raises(NotAllowed):  # the office reviews, it does not submit for a unit
        submit(cg_material, people["ceping"], files)
    with pytest.raises(MaterialRequirement.DoesNotExist):  # out of scope: as if missing
        submit(doc_material, people["chengguan"], [("a.pdf", pdf_bytes())])
    with pytest.raises(MaterialRequirement.DoesNotExist):
        submit(cg_material, people["jiedao"], files)
    # The shared unit (the power company) submits too.
    submit(cg_material, people["gongdian"], files)
    with pytest.raises(NotAllowed):  # a unit does not approve its own material
        review(cg_material, people["chengguan"], "approve", grade="excellent")
    with pytest.raises(IllegalTransition):  # no second first submission
        submit(cg_material, people["chengguan"], files)
    req = MaterialRequirement.objects.get(pk=cg_material.pk)
    assert [a.key for a in material_actions_for(req, people["chengguan"])] == ["resubmit"]
    assert [a.key for a in material_actions_for(req, people["ceping"])] == ["return", "approve"]
    assert material_actions_for(req, people["taocheng"]) == []  # the district sees it, takes no step


def test_requirements_default_to_the_criterions_units_and_due_dates_sit_in_the_window(window, people):
    from wenming.common.errors import NotAllowed, WorkflowError
    from wenming.evaluation.models import Criterion
    from wenming.evaluation.services.materials import RequirementValues, material_requirement_save

    criterion = Criterion.objects.get(edition=window.edition, code="P5.1.1")
    saved = material_requirement_save(actor=people["ceping"], criterion_id=criterion.pk, values=RequirementValues(
        kind="report", title="情况说明", due_on=timezone.localdate()))
    assert saved.lead_unit_id == criterion.lead_unit_id and saved.formats == ["pdf", "docx"]
    assert set(saved.responsible_units.values_list("pk", flat=True)) == set(
        criterion.responsible_units.values_list("pk", flat=True))
    with pytest.raises(WorkflowError, match="inside the submission window"):
        material_requirement_save(actor=people["ceping"], criterion_id=criterion.pk, values=RequirementValues(
            kind="report", title="太晚", due_on=timezone.localdate() + dt.timedelta(days=90)))
    with pytest.raises(NotAllowed):
        material_requirement_save(actor=people["chengguan"], criterion_id=criterion.pk, values=RequirementValues(
            kind="report", title="x", due_on=timezone.localdate()))
    with pytest.raises(WorkflowError, match="changed this material meanwhile"):
        material_requirement_save(actor=people["ceping"], criterion_id=criterion.pk, requirement_id=saved.pk,
                                  expected_version=saved.version - 1, values=RequirementValues(
                                      kind="report", title="情况说明", due_on=timezone.localdate()))


def test_the_requirement_import_checks_every_row_and_writes_all_or_nothing(window, people, tmp_path):
    from openpyxl import Workbook

    from wenming.common.tabular_import import ImportFailed
    from wenming.evaluation.models import MaterialRequirement
    from wenming.evaluation.services.materials import material_requirements_import

    due = (timezone.localdate() + dt.timedelta(days=3)).isoformat()

    def sheet(rows):
        book = Workbook()
        ws = book.active
        ws.append(["测评内容编号", "材料类型", "材料名称", "数量", "允许格式", "大小上限(MB)", "最低分辨率", "截止日期",
                   "牵头单位", "责任单位"])
        for row in rows:
            ws.append(row)
        path = tmp_path / "清单.xlsx"
        book.save(path)
        return path

    good = [["P5.1.2", "图片集", "整治照片", 3, "jpg、png", 10, 800, due, "CGJ-131102", "POWER"],
            ["P1.1.1", "正式文件", "工作方案", 1, "pdf", 5, None, due, None, None]]
    bad = good + [["P9.9.9", "图片集", "x", 1, "", 5, None, due, None, None],
                  ["P5.1.1", "视频", "y", 1, "", 5, None, due, None, None],
                  ["P5.1.1", "图片集", "z", 1, "gif", 5, None, "明天", "NOPE", None]]
    with pytest.raises(ImportFailed) as failed:
        material_requirements_import(path=sheet(bad), edition=window.edition, actor=people["ceping"], dry_run=False)
    errors = "\n".join(failed.value.report.errors)
    assert "row 4 (code P9.9.9): criterion" in errors and "row 5 (code P5.1.1): kind" in errors
    assert "unknown format gif" in errors and "row 6 (code P5.1.1): due_on" in errors
    assert MaterialRequirement.objects.count() == 0
    report = material_requirements_import(path=sheet(good), edition=window.edition, actor=people["ceping"])
    assert report.dry_run and report.created == 2 and MaterialRequirement.objects.count() == 0
    material_requirements_import(path=sheet(good), edition=window.edition, actor=people["ceping"], dry_run=False)
    photos = MaterialRequirement.objects.get(title="整治照片")
    assert (photos.required_count, photos.formats, photos.min_side_px, photos.lead_unit.code) == (3, ["jpg", "png"],
                                                                                                   800, "CGJ-131102")
    assert list(photos.responsible_units.values_list("code", flat=True)) == ["POWER"]
    again = material_requirements_import(path=sheet(good), edition=window.edition, actor=people["ceping"],
                                         dry_run=False)
    assert again.updated == 2 and MaterialRequirement.objects.count() == 2


def test_reminders_before_the_due_date_are_sent_once_a_day(cg_material, doc_material, people):
    from wenming.common.models import Notification
    from wenming.evaluation.models import MaterialEvent
    from wenming.evaluation.services.materials import materials_reminders_scan

    counts = materials_reminders_scan()
    assert counts["due"] == 1  # the photo set is due in two days; the document in five, not yet
    subjects = set(Notification.objects.filter(subject__startswith="Material due").values_list("subject", flat=True))
    assert subjects == {f"Material due {cg_material.due_on.isoformat()}: P5.1.2 背街小巷整治前后对比照片"}
    assert Notification.objects.filter(recipient=people["chengguan"], subject__startswith="Material due").exists()
    assert Notification.objects.filter(recipient=people["gongdian"], subject__startswith="Material due").exists()
    assert materials_reminders_scan()["notified"] == 0  # the same day again: nothing new
    assert MaterialEvent.objects.filter(action="reminded").count() == 1
    submit(cg_material, people["chengguan"], [("a.png", png(pattern=1)), ("b.png", png(pattern=2))])
    tomorrow = timezone.now() + dt.timedelta(days=1)
    assert materials_reminders_scan(now=tomorrow)["due"] == 0  # submitted: no more reminders
