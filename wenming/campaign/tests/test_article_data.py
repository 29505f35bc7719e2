"""The campaign data checked against the article (/work/shared/seed/hengshui-campaign-article.txt)."""

import datetime as dt
from decimal import Decimal

import pytest

from wenming.campaign.models import Action, Campaign, TargetLine, Task, TaskForce
from wenming.demo.campaign import campaign_demo_build
from wenming.org.models import Site

pytestmark = pytest.mark.django_db
AUG_31 = dt.date(2022, 8, 31)


@pytest.fixture
def campaign(db):
    campaign_demo_build()
    return Campaign.objects.get(code="HS-2022")


def test_ten_rectification_eight_improvement_one_control_action(campaign):
    kinds = list(Action.objects.filter(campaign=campaign).values_list("kind", flat=True))
    assert kinds.count("rectification") == 10 and kinds.count("improvement") == 8 and kinds.count("control") == 1
    assert all(Task.objects.filter(action__campaign=campaign, action__code=a.code).exists() for a in campaign.actions.all())


def test_deadline_august_2022_for_compounds_cables_markets_and_ebike_plates(campaign):
    due = {t.action.code: t for t in Task.objects.filter(campaign=campaign, due_on=AUG_31).select_related("action")}
    assert set(due) == {"R01", "R03", "R05", "R09"}
    assert "电动" in due["R03"].title and "牌照" in due["R03"].title
    assert "飞线" in due["R05"].title
    assert "市场" in due["R09"].title
    assert due["R09"].target_kind == "percent" and due["R09"].target_value == 100


def test_compounds_within_300_m_of_markets_stations_schools_communities_supermarkets(campaign):
    task = Task.objects.get(campaign=campaign, code="R01-2")
    assert task.scope_radius_m == 300 and task.due_on == AUG_31
    assert set(task.scope_site_types) == {"market", "station", "school", "community_centre", "supermarket"}
    for word in ["集贸市场", "汽车站", "火车站", "校园", "社区", "商超"]:
        assert word in task.scope


def test_three_youth_palaces_per_township_by_year_end(campaign):
    task = Task.objects.get(campaign=campaign, code="I01-3")
    assert "复兴少年宫" in task.title
    assert (task.target_kind, task.target_value, task.target_per, task.due_on) == ("count", Decimal(3), "township",
                                                                                     dt.date(2022, 12, 31))
    assert task.target_areas >= 1 and task.target_total == 3 * task.target_areas


def test_other_stated_targets(campaign):
    notice = Task.objects.get(campaign=campaign, code="R06-2")
    assert (notice.target_kind, notice.target_value, notice.target_per) == ("count", 1, "place")
    assert "公共信息发布栏" in notice.title
    assert "旱厕" in Task.objects.get(campaign=campaign, code="R07-2").title
    school = Task.objects.get(campaign=campaign, code="R08-2")
    assert school.scope_radius_m == 200


def test_targets_measured_by_rules(campaign):
    """The article's spatial and per-area targets carry their rules (campaign.services.targets)."""
    rules = {t.code: (t.target_rule, t.target_site_types, t.target_per, t.target_value, t.measure)
             for t in Task.objects.filter(campaign=campaign).exclude(target_rule="")}
    assert rules["R01-2"][:2] == ("near", ["compound"])
    assert rules["R06-2"][:3] == ("per_place", ["notice_board"], "place")
    assert rules["R07-2"][:4] == ("per_area_max", ["dry_toilet"], "village", 0)
    assert rules["R07-3"][:4] == ("per_area_min", ["practice_institute"], "township", 1)
    assert rules["R07-5"][:4] == ("per_area_min", ["practice_station"], "village", 1)
    assert rules["R08-2"][:2] == ("clear", ["entertainment", "internet_cafe"])
    assert rules["R09-2"][:2] == ("each", ["market"])
    assert rules["I01-3"][:4] == ("per_area_min", ["youth_palace"], "township", 3)
    assert rules["I03-3"][:2] == ("each", ["alley"])
    assert all(r[4] == "targets" for r in rules.values())
    assert Task.objects.get(campaign=campaign, code="C01-3").measure == "findings"
    # The lists were computed with the campaign: R01-2 lists the compounds near the demo's markets and schools.
    assert TargetLine.objects.filter(task__code="R01-2").exists()
    assert Task.objects.get(campaign=campaign, code="R09-2").lines.count() == Site.objects.filter(
        site_type__code="market", is_active=True).count()


def test_nineteen_task_forces_with_leaders_units_and_tasks(campaign):
    forces = TaskForce.objects.filter(campaign=campaign)
    assert forces.count() == 19
    for force in forces:
        assert force.leader_id and force.members.filter(pk=force.leader_id).exists()
        assert force.actions.count() == 1 and force.tasks.exists()
    assert not Task.objects.filter(campaign=campaign, kind="task", lead_unit__isnull=True).exists()
    # Idempotent: running the demo step again adds nothing.
    campaign_demo_build()
    assert TaskForce.objects.filter(campaign=campaign).count() == 19


def test_actions_link_to_case_categories(campaign):
    for code in ["R01", "R03", "R06", "I03"]:
        assert Action.objects.get(campaign=campaign, code=code).categories.exists(), code


def test_campaign_load_command_is_idempotent(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("campaign-load", "--demo", stdout=out)
    call_command("campaign-load", "--demo", stdout=out)
    assert "19 actions, 49 tasks, 19 task forces" in out.getvalue()
    assert TaskForce.objects.count() == 19 and Task.objects.filter(kind="task").count() == 49


def test_demo_data_adds_the_campaign_to_an_existing_city(db):
    from io import StringIO

    from django.core.management import call_command

    assert not TaskForce.objects.exists()
    out = StringIO()
    call_command("demo-data", "--if-empty", stdout=out)
    assert "Campaign tasks and task forces added." in out.getvalue()
    assert TaskForce.objects.count() == 19
    assert Task.objects.filter(code="R01-2", due_on=AUG_31, scope_radius_m=300).exists()
