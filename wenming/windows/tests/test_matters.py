"""Matters measured on the working calendar: due at acceptance by the committed limit, across the 2026 National Day
holiday; overdue flagged; recorded at the counter, imported (idempotent, row-numbered errors) and pushed over the
API; stale pages refused."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from wenming.api.services.keys import api_key_issue
from wenming.common.calendar import is_workday
from wenming.windows.errors import WindowError
from wenming.windows.models import Matter, MatterSource, WindowEvent, WindowEventKind
from wenming.windows.selectors import window_figures
from wenming.windows.services.competition import period_create, ranking_step
from wenming.windows.services.matters import (
    MatterRow,
    matter_accept,
    matter_complete,
    matter_due,
    matters_import,
    matters_sync,
)

from .conftest import at

pytestmark = pytest.mark.django_db


def test_the_calendar_has_the_national_day_holiday():
    # The package's data: 2026-10-01..07 are holidays (so is the weekend after), 2026-09-30 a working day.
    assert is_workday(dt.date(2026, 9, 30))
    assert not any(is_workday(dt.date(2026, 10, d)) for d in range(1, 8))


def test_due_skips_the_holiday(items):
    # Accepted Wednesday 2026-09-30 at 10:00 with 2 working days: the rest of the 30th (10:00-12:00 and
    # 14:30-17:30 = 5 h) and the next working day's 6.5 h, then 1.5 h of the one after — the holiday skipped.
    due = matter_due(item=items["fast"], accepted_at=at(2026, 9, 30, 10, 0))
    first_workday_after = next(dt.date(2026, 10, d) for d in range(8, 20) if is_workday(dt.date(2026, 10, d)))
    assert due.date() > dt.date(2026, 10, 7)
    assert due.date() > first_workday_after  # two full working days: the 30th's rest is not a whole day
    # Working hours: 4 h from 16:00 on the 30th = 1.5 h that day, 2.5 h on the first working day after (till 11:00).
    hours_due = matter_due(item=items["hours"], accepted_at=at(2026, 9, 30, 16, 0))
    assert hours_due == at(first_workday_after.year, first_workday_after.month, first_workday_after.day, 11, 0)


def test_a_matter_completed_after_the_holiday_is_in_time_and_one_after_its_due_is_overdue(power_window, items, people):
    gongdian = people["gongdian"]
    on_time = matter_accept(window_id=power_window.pk, actor=gongdian, item_id=items["fast"].pk, external_id="N1",
                            accepted_at=at(2026, 9, 30, 10, 0))
    late = matter_accept(window_id=power_window.pk, actor=gongdian, item_id=items["fast"].pk, external_id="N2",
                         accepted_at=at(2026, 9, 30, 10, 0))
    # Counted in calendar days, 2026-10-08 would be six days late; on the working calendar it is within the limit.
    matter_complete(matter_id=on_time.pk, actor=gongdian, completed_at=at(2026, 10, 8, 9, 0))
    matter_complete(matter_id=late.pk, actor=gongdian, completed_at=late.due_at + dt.timedelta(minutes=1))
    on_time.refresh_from_db()
    late.refresh_from_db()
    assert not on_time.overdue_at(at(2026, 12, 1)) and late.overdue_at(at(2026, 12, 1))
    open_one = matter_accept(window_id=power_window.pk, actor=gongdian, item_id=items["fast"].pk, external_id="N3",
                             accepted_at=at(2026, 9, 30, 10, 0))
    row = window_figures([power_window], start=at(2026, 9, 1), now=at(2026, 12, 1))[0]
    assert (row.due, row.on_time, row.overdue_open) == (3, 1, 1)
    assert str(row.ontime_rate) == "33.3"
    assert open_one.overdue_at(at(2026, 12, 1))
    kinds = list(WindowEvent.objects.filter(window=power_window).values_list("kind", flat=True))
    assert kinds.count(WindowEventKind.MATTER_ACCEPTED) == 3 and kinds.count(WindowEventKind.MATTER_COMPLETED) == 2


def test_complete_refuses_twice_stale_and_out_of_scope(power_window, items, people):
    matter = matter_accept(window_id=power_window.pk, actor=people["gongdian"], item_id=items["fast"].pk)
    with pytest.raises(WindowError, match="changed since"):
        matter_complete(matter_id=matter.pk, actor=people["gongdian"], expected_version=matter.version + 1)
    with pytest.raises(Matter.DoesNotExist):  # 城管 is another unit: out of scope, as if missing
        matter_complete(matter_id=matter.pk, actor=people["chengguan"])
    matter_complete(matter_id=matter.pk, actor=people["gongdian"], expected_version=matter.version)
    with pytest.raises(WindowError, match="already completed"):
        matter_complete(matter_id=matter.pk, actor=people["gongdian"])


def _csv(path, rows):
    path.write_text("办件编号,事项编码,受理时间,办结时间\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_import_is_idempotent_and_names_bad_rows(power_window, items, people, tmp_path):
    good = _csv(tmp_path / "m.csv", [["E1", "T-FAST", "2026-09-30 10:00", "2026-10-08 09:00"],
                                     ["E2", "T-HOURS", "2026-11-02 09:00", ""]])
    batch, _report = matters_import(window_id=power_window.pk, actor=people["gongdian"], path=good)
    assert (batch.created, batch.updated, batch.errors) == (2, 0, [])
    again, _report = matters_import(window_id=power_window.pk, actor=people["gongdian"], path=good)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Matter.objects.filter(window=power_window, source=MatterSource.IMPORT).count() == 2
    bad = _csv(tmp_path / "bad.csv", [["E3", "T-FAST", "2026-11-02 09:00", ""],
                                      ["E4", "NOPE", "2026-11-02 09:00", ""],
                                      ["E5", "T-FAST", "2026-11-03 09:00", "2026-11-02 09:00"],
                                      ["E6", "T-FAST", "3026-01-01 09:00", ""]])
    refused, _report = matters_import(window_id=power_window.pk, actor=people["gongdian"], path=bad)
    assert len(refused.errors) == 3
    assert refused.errors[0].startswith("row 3") and "NOPE" in refused.errors[0]
    assert refused.errors[1].startswith("row 4") and "before the matter was accepted" in refused.errors[1]
    assert refused.errors[2].startswith("row 5")
    assert not Matter.objects.filter(external_id="E3").exists()  # nothing half-written


def test_pages_record_and_import(client, power_window, items, people, tmp_path):
    client.force_login(people["gongdian"])
    answer = client.post(reverse("windows:matter_accept", args=[power_window.pk]), {"item": items["fast"].pk})
    assert answer.status_code == 302
    matter = Matter.objects.get(window=power_window)
    done = client.post(reverse("windows:matter_complete", args=[matter.pk]), {"version": matter.version}, follow=True)
    assert b"completed in time" in done.content
    upload = _csv(tmp_path / "p.csv", [["P1", "T-FAST", "2026-11-02 09:00", ""]])
    with upload.open("rb") as handle:
        page = client.post(reverse("windows:import", args=[power_window.pk]), {"file": handle})
    assert page.status_code == 200 and b'id="import-result"' in page.content
    listing = client.get(reverse("windows:list"))
    assert f'data-window="{power_window.pk}"'.encode() in listing.content
    client.force_login(people["chengguan"])  # another unit: the window is not there
    assert client.get(reverse("windows:detail", args=[power_window.pk])).status_code == 404
    assert client.get(reverse("windows:import", args=[power_window.pk])).status_code == 404
    client.force_login(people["taocheng"])  # the district's leader reads it, records nothing
    assert client.get(reverse("windows:detail", args=[power_window.pk])).status_code == 200
    assert client.get(reverse("windows:import", args=[power_window.pk])).status_code == 404


def test_the_window_system_pushes_matters_idempotently(client, power_window, items, people):
    _key, secret = api_key_issue(name="供电办件系统", person=people["gongdian"])
    url = reverse("api:windows-matters", args=[power_window.code])
    body = {"matters": [{"external_id": "A1", "item": "T-FAST", "accepted_at": "2026-09-30T10:00:00+08:00"},
                        {"external_id": "A2", "item": "T-FAST", "accepted_at": "2026-09-30T10:00:00+08:00",
                         "completed_at": "2026-10-08T09:00:00+08:00"}]}
    auth = {"HTTP_AUTHORIZATION": f"Token {secret}"}
    first = client.post(url, body, content_type="application/json", **auth)
    assert first.status_code == 200 and first.json() == {"created": 2, "updated": 0, "unchanged": 0}
    body["matters"][0]["completed_at"] = "2026-10-09T09:00:00+08:00"
    second = client.post(url, body, content_type="application/json", **auth)
    assert second.json() == {"created": 0, "updated": 1, "unchanged": 1}
    bad = client.post(url, {"matters": [{"external_id": "A3", "item": "X", "accepted_at": "2026-09-30T10:00:00Z"}]},
                      content_type="application/json", **auth)
    assert bad.status_code == 400 and "row 1" in bad.json()["fields"]["matters"][0]
    _other, other_secret = api_key_issue(name="城管系统", person=people["chengguan"])
    assert client.post(url, body, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Token {other_secret}").status_code == 404


def test_import_errors_keep_their_row_and_text_in_chinese(client, power_window, items, people, tmp_path):
    """The batch keeps (row, message) pairs and formats them when read, so the translated "第 N 行：…" keeps both
    the file's row number and the message; an impossible date (month 13) is a row error, not a 500."""
    bad = _csv(tmp_path / "zh.csv", [["Z1", "T-FAST", "2026-13-01 10:00", ""],
                                     ["Z2", "NOPE", "2026-11-02 09:00", ""]])
    with translation.override("zh-hans"):
        refused, _report = matters_import(window_id=power_window.pk, actor=people["gongdian"], path=bad)
        errors = refused.errors
    assert len(errors) == 2
    assert errors[0].startswith("第 2 行") and "2026-10-09 10:30" in errors[0] and "受理" in errors[0]
    assert errors[1].startswith("第 3 行") and "NOPE" in errors[1]
    client.force_login(people["gongdian"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    with bad.open("rb") as handle:
        page = client.post(reverse("windows:import", args=[power_window.pk]), {"file": handle})
    text = page.content.decode()
    assert page.status_code == 400 and "第 2 行" in text and "第 3 行" in text and "NOPE" in text
    assert not Matter.objects.filter(external_id__in=["Z1", "Z2"]).exists()


def test_an_impossible_date_is_a_row_error(power_window, items, people):
    refused = matters_sync(window_id=power_window.pk, actor=people["gongdian"],
                           rows=[MatterRow(external_id="X1", item="T-FAST", accepted_at="2026-13-01 10:00"),
                                 MatterRow(external_id="X2", item="T-FAST", accepted_at="2026-11-02 25:00")])
    assert [e[:5] for e in refused.errors] == ["row 1", "row 2"]
    assert "give a date and time" in refused.errors[0]


def test_the_window_system_cannot_rewrite_a_completed_or_ranked_matter(power_window, items, people):
    keeper = people["gongdian"]
    open_row = MatterRow(external_id="R1", item="T-FAST", accepted_at=at(2026, 11, 2, 9))
    assert matters_sync(window_id=power_window.pk, actor=keeper, rows=[open_row]).created == 1
    # An open matter may be corrected; the change is logged with its old and new values.
    moved = MatterRow(external_id="R1", item="T-FAST", accepted_at=at(2026, 11, 3, 9))
    assert matters_sync(window_id=power_window.pk, actor=keeper, rows=[moved]).updated == 1
    change = WindowEvent.objects.get(window=power_window, kind=WindowEventKind.MATTER_CHANGED)
    assert change.data["number"] == "R1"
    assert change.data["old"]["accepted_at"] == at(2026, 11, 2, 9).isoformat()
    assert change.data["new"]["accepted_at"] == at(2026, 11, 3, 9).isoformat()
    # Completing it over the push is the normal flow...
    done = MatterRow(external_id="R1", item="T-FAST", accepted_at=at(2026, 11, 3, 9), completed_at=at(2026, 11, 4, 9))
    assert matters_sync(window_id=power_window.pk, actor=keeper, rows=[done]).updated == 1
    # ...but a completed matter's times are final.
    for rewrite in (MatterRow(external_id="R1", item="T-FAST", accepted_at=at(2026, 11, 3, 9),
                              completed_at=at(2026, 11, 3, 10)),
                    MatterRow(external_id="R1", item="T-FAST", accepted_at=at(2026, 11, 1, 9),
                              completed_at=at(2026, 11, 4, 9))):
        refused = matters_sync(window_id=power_window.pk, actor=keeper, rows=[rewrite])
        assert refused.errors and "already completed" in refused.errors[0]
    matter = Matter.objects.get(window=power_window, external_id="R1")
    assert (matter.accepted_at, matter.completed_at) == (at(2026, 11, 3, 9), at(2026, 11, 4, 9))
    # An open matter in a period whose ranking was computed keeps its acceptance.
    matters_sync(window_id=power_window.pk, actor=keeper,
                 rows=[MatterRow(external_id="R2", item="T-FAST", accepted_at=at(2026, 11, 5, 9))])
    period = period_create(actor=people["paiqian"], name="2026年11月", start=dt.date(2026, 11, 1),
                           end=dt.date(2026, 11, 30))
    ranking_step(period_id=period.pk, actor=people["paiqian"], action_key="compute")
    refused = matters_sync(window_id=power_window.pk, actor=keeper,
                           rows=[MatterRow(external_id="R2", item="T-FAST", accepted_at=at(2026, 11, 6, 9))])
    assert refused.errors and "already ranked" in refused.errors[0]
    assert Matter.objects.get(window=power_window, external_id="R2").accepted_at == at(2026, 11, 5, 9)
