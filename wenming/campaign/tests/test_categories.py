"""The shipped category table (loaded by the session's demo city) and categories_load's all-or-nothing contract."""

import copy
import json
from decimal import Decimal

import pytest

from wenming.campaign.models import Action
from wenming.campaign.services.categories import DEFAULT_FILE, CategoryDataError, categories_load
from wenming.cases.models import Category, Stage, TimeLimit, TimeUnit, Urgency

pytestmark = pytest.mark.django_db

SHIPPED = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))


def minors():
    return Category.objects.filter(parent__isnull=False)


def snapshot() -> dict:
    """Everything categories_load writes, in comparable form."""
    return {
        "categories": sorted(
            Category.objects.values_list(
                "code", "name", "kind", "parent__code", "plain_name", "facility_radius_m", "local_duty",
                "register_condition", "close_condition", "sort",
            )
        ),
        "limits": sorted(TimeLimit.objects.values_list("category__code", "urgency", "stage", "amount", "unit")),
        "actions": sorted(Category.actions.through.objects.values_list("category__code", "action__code")),
        "classes": sorted(
            Category.facility_classes.through.objects.values_list("from_category__code", "to_category__code")
        ),
    }


def write(tmp_path, data) -> str:
    path = tmp_path / "categories.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def child(data, code) -> dict:
    return next(c for major in data["classes"] for c in major["children"] if c["code"] == code)


def test_the_shipped_table_is_loaded():
    n_major = len(SHIPPED["classes"])
    n_minor = sum(len(m["children"]) for m in SHIPPED["classes"])
    assert (n_major, n_minor) == (15, 71)
    assert Category.objects.filter(parent__isnull=True).count() == n_major and minors().count() == n_minor
    sj0101 = Category.objects.get(code="SJ0101")
    assert (sj0101.name, sj0101.parent.code, sj0101.kind, sj0101.plain_name) == ("暴露垃圾", "SJ01", "event", "垃圾没人清")


def test_every_minor_class_has_a_limit_for_every_stage_and_urgency():
    expected = {(u, s) for u in Urgency.values for s in Stage.values}
    assert len(expected) == 12
    for category in minors().prefetch_related("time_limits"):
        limits = {(t.urgency, t.stage): t for t in category.time_limits.all()}
        assert set(limits) == expected, category.code
        assert all(t.amount > 0 and t.unit in TimeUnit.values for t in limits.values()), category.code
    assert TimeLimit.objects.filter(category__parent__isnull=True).count() == 0
    assert TimeLimit.objects.count() == 12 * minors().count()


def test_sj0101_limits_as_worked_out_from_the_file():
    limits = {
        (t.urgency, t.stage): (t.amount, t.unit) for t in TimeLimit.objects.filter(category__code="SJ0101")
    }
    # The file: handle [1, working_days]; normal stages from defaults; urgent halves handling; emergency 2 clock h.
    assert limits[("normal", "handle")] == (Decimal("1.00"), "working_days")
    assert limits[("normal", "register")] == (Decimal("0.50"), "working_hours")
    assert limits[("normal", "dispatch")] == (Decimal("0.50"), "working_hours")
    assert limits[("normal", "verify")] == (Decimal("1.00"), "working_hours")
    assert limits[("urgent", "handle")] == (Decimal("0.50"), "working_days")
    assert limits[("urgent", "register")] == (Decimal("0.25"), "clock_hours")
    assert limits[("emergency", "handle")] == (Decimal("2.00"), "clock_hours")
    assert limits[("emergency", "register")] == (Decimal("0.17"), "clock_hours")
    # A minor class handled in hours: SJ0401 占道经营, 4 working hours, urgent 2.
    assert TimeLimit.objects.get(category__code="SJ0401", urgency="normal", stage="handle").amount == Decimal("4.00")
    assert TimeLimit.objects.get(category__code="SJ0401", urgency="urgent", stage="handle").amount == Decimal("2.00")


def test_every_minor_class_names_a_campaign_action():
    missing = list(minors().filter(actions__isnull=True).values_list("code", flat=True))
    assert missing == []
    assert set(Category.objects.get(code="SJ0101").actions.values_list("code", flat=True)) == {"R10", "R02", "R01"}


def test_the_back_street_problems_are_under_the_back_street_action():
    r02 = Action.objects.get(code="R02")
    assert r02.name == "背街小巷专项整治行动"
    names = set(r02.categories.values_list("name", flat=True))
    for problem in ["污水横流", "路面坑洼", "路灯", "分类垃圾箱不足", "占道经营"]:
        assert problem in names, problem
    assert {"机动车乱停乱放", "非机动车乱停乱放"} <= names  # 乱停乱放
    assert "架空线缆" in names  # 空中线缆
    assert set(r02.categories.filter(name__in=["污水横流", "路面坑洼", "占道经营"]).values_list("code", flat=True)) == {
        "SJ0104", "SJ0304", "SJ0401",
    }


def test_facility_classes_and_flags_come_from_the_file():
    assert set(Category.objects.get(code="SJ0201").facility_classes.values_list("code", flat=True)) == {
        "BJ0104", "BJ0105", "BJ0107", "BJ0201", "BJ0202",
    }
    assert Category.objects.get(code="SJ0201").facility_radius_m == 20
    assert Category.objects.get(code="SJ0101").facility_radius_m == 0
    assert Category.objects.get(code="SJ0404").local_duty is False
    assert Category.objects.get(code="SJ0101").local_duty is True


def test_reloading_is_idempotent():
    before = snapshot()
    campaign = Action.objects.get(code="R02").campaign.code
    counts = categories_load(campaign_code=campaign)
    assert counts == {"categories": 86, "time_limits": 71 * 12}
    assert snapshot() == before
    assert categories_load(path=str(DEFAULT_FILE)) == counts  # a str path works as well as a Path
    assert snapshot() == before


def test_a_reload_applies_changes(tmp_path):
    data = copy.deepcopy(SHIPPED)
    child(data, "SJ0101")["name"] = "暴露垃圾（改）"
    child(data, "SJ0101")["handle"] = [2, "working_days"]
    child(data, "SJ0101")["actions"] = ["R10"]
    categories_load(path=write(tmp_path, data))
    sj0101 = Category.objects.get(code="SJ0101")
    assert sj0101.name == "暴露垃圾（改）"
    assert list(sj0101.actions.values_list("code", flat=True)) == ["R10"]
    assert TimeLimit.objects.get(category=sj0101, urgency="normal", stage="handle").amount == Decimal("2.00")
    assert TimeLimit.objects.get(category=sj0101, urgency="urgent", stage="handle").amount == Decimal("1.00")


def _refused(tmp_path, data, match):
    before = snapshot()
    with pytest.raises(CategoryDataError, match=match):
        categories_load(path=write(tmp_path, data))
    assert snapshot() == before


def test_an_unknown_action_code_changes_nothing(tmp_path):
    data = copy.deepcopy(SHIPPED)
    child(data, "SJ0101")["name"] = "不应写入"  # a change earlier in the file that must not be applied
    child(data, "SJ0904")["actions"] = ["I07", "X99"]
    _refused(tmp_path, data, "SJ0904: unknown action X99")


def test_a_bad_handle_unit_changes_nothing(tmp_path):
    data = copy.deepcopy(SHIPPED)
    child(data, "SJ0101")["name"] = "不应写入"
    child(data, "SJ0401")["handle"] = [4, "fortnights"]
    _refused(tmp_path, data, "SJ0401: handle must be")


@pytest.mark.parametrize("handle", [None, [4], [4, "working_hours", 1], ["four", "working_hours"], [0, "working_days"],
                                    [-1, "working_days"], "4 working_hours"])
def test_a_malformed_handle_is_a_data_error(tmp_path, handle):
    data = copy.deepcopy(SHIPPED)
    if handle is None:
        del child(data, "SJ0402")["handle"]
    else:
        child(data, "SJ0402")["handle"] = handle
    _refused(tmp_path, data, "SJ0402: handle must be")


def test_bad_defaults_are_a_data_error(tmp_path):
    data = copy.deepcopy(SHIPPED)
    del data["defaults"]["urgent"]["register"]
    data["defaults"]["emergency"]["handle"] = [2, "minutes"]
    before = snapshot()
    with pytest.raises(CategoryDataError) as exc:
        categories_load(path=write(tmp_path, data))
    assert "defaults.urgent.register" in str(exc.value) and "defaults.emergency.handle" in str(exc.value)
    assert snapshot() == before


def test_an_unknown_facility_class_found_mid_load_rolls_everything_back(tmp_path):
    # This error is only found inside the transaction, after the categories were written: all must go.
    data = copy.deepcopy(SHIPPED)
    child(data, "SJ0101")["name"] = "不应写入"
    data["classes"].append({"code": "SJ99", "name": "新大类", "kind": "event", "children": [
        {"code": "SJ9901", "name": "新小类", "handle": [1, "working_days"], "actions": ["R02"]},
    ]})
    child(data, "SJ0201")["facility_classes"] = ["BJ0104", "BJ9999"]
    _refused(tmp_path, data, "SJ0201: unknown facility classes BJ9999")
    assert not Category.objects.filter(code__in=["SJ99", "SJ9901"]).exists()


def test_unreadable_files_are_data_errors(tmp_path):
    with pytest.raises(CategoryDataError):
        categories_load(path=tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CategoryDataError):
        categories_load(path=bad)


def test_the_category_action_links_keep_the_table_they_had_in_cases():
    """Action.categories took over Category.actions' table (state-only migrations): its columns are the table's."""
    from django.db import connection

    through = Action.categories.through
    assert through._meta.db_table == "cases_category_actions"
    with connection.cursor() as cursor:
        columns = {c.name for c in connection.introspection.get_table_description(cursor, through._meta.db_table)}
    assert {f.column for f in through._meta.fields} == columns == {"id", "category_id", "action_id"}
    assert Category.objects.filter(actions__isnull=False).exists()  # the shipped table links them
