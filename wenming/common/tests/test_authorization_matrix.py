"""The authorization matrix: every URL pattern of the project × every role, with the answer each must get.

``TABLE`` holds one entry per URL pattern (its namespaced name, or its pattern when it has none): the requests
to make (GET, or POST with a CSRF token and an empty body) and, per role, the answer expected:

  200, 204, 400, 401, 403, 404, 405   that status
  LOGIN                              302 to a login page (the site's or the admin's)
  302                                a redirect elsewhere (a form's refusal message, the admin's "missing" page)

A pattern without an entry fails the test, and so does an entry whose pattern is gone: a new route cannot be
added without deciding who may open it. On top of the statuses, every answer is checked for leaks:

  - no role but the command centre, administrators and the inspectors themselves ever reads the name of the
    undercover inspector (who reported a case is never shown to units or areas);
  - on pages behind a login, no case number of the world's cases appears for a role that cannot open that case
    (a ranking may show another unit's figures, not its cases);
  - Open311 lists show only published requests: not the one waiting for moderation, the spam, or the inspection.

Each POST by a role that may not act must change nothing (rows counted before and after), and a POST without
the CSRF token is refused (403) unless the route is exempt by design (Open311 posts with an API key). Answers
5xx are counted and fail the test. The world the URLs are filled from is built in ``matrix.world_build``.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.urls import reverse

from . import matrix
from .matrix import INSPECTOR_NAME, STATS, client_for, short_admin_lists, url_patterns, world_build

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]

LOGIN = "login"
REFUSED = "refused"  # a workflow refusal: 400 (invalid), 403 (not this role's action) or 409 (not in this state)

# -- roles ------------------------------------------------------------------------------------------------------
# anon: nobody, and a citizen who guesses a tracking code; citizen: the reporter, who holds the real code.
ROLES = ("anon", "citizen", "admin", "shouli", "zhiban", "paiqian", "chengguan", "chengguan_lead", "gongdian",
         "jiedao", "taocheng", "wangge", "anfang", "other_district", "other_street", "ceping")
ALL = frozenset(ROLES)
ANON = frozenset({"anon", "citizen"})
STAFF = ALL - ANON
ADMIN = frozenset({"admin"})
CMD = frozenset({"shouli", "zhiban", "paiqian"})
HQ = CMD | ADMIN  # the command centre and administrators
CG = frozenset({"chengguan", "chengguan_lead"})  # 城管 桃城分局: the unit of the world's cases
NOT_INSPECTORS = STAFF - {"anfang", "wangge"}  # who reads scores (inspectors and grid workers do not)
NO_INSPECTOR = STAFF - {"anfang"}
# Who may open the world's cases of 城管 桃城分局 in 桃城区: the city-wide roles, the unit, the district.
SEES_CASE = HQ | CG | {"taocheng", "anfang"}
# The power company's case in the other district (in the other street's area).
SEES_POWER_CASE = HQ | {"gongdian", "anfang", "other_district", "other_street"}
# Citizen reports not dispatched yet: the command centre and the area (and the city-wide inspector).
SEES_UNDISPATCHED = HQ | {"taocheng", "anfang"}
# The evaluation office (测评办, ceping): keeps the framework and sees every criterion; its scope is its unit.
KEEPERS = frozenset({"ceping", "admin"})
# Who sees the criterion led by 城管 桃城分局: the city-wide roles, the unit, its district, the evaluation office.
SEES_CRITERION_CG = HQ | CG | {"taocheng", "ceping"}
# The risk watch: a record follows its criterion's scope; the command centre and the office see every one.
SEES_RISK_CG = SEES_CRITERION_CG
SEES_RISK_OTHER = HQ | {"ceping"}
# Who reports an incident: the command centre, the office, and the units (on their own criteria).
INCIDENT_REPORTERS = CMD | CG | {"gongdian", "jiedao", "ceping"}
# Who edits the plan of 城管 桃城分局's criterion: the office (and the administrator), and the unit.
PLAN_EDITORS = KEEPERS | CG
# Who plans the inspection rounds and sees them before their findings are released.
PLANNERS = HQ | {"ceping"}
# Storefront checks (门前五包): who checks (the command centre, units, grid workers), who sees the shop of the street
# office jiedao leads (the city-wide roles, the office, its district), and who may check it.
SF_CHECKERS = CMD | CG | {"gongdian", "jiedao", "wangge"}
SEES_SHOP = HQ | {"jiedao", "taocheng"}
CHECKS_SHOP = CMD | {"jiedao"}
# Who may learn which undercover inspector did what.
SEES_INSPECTORS = HQ | {"anfang"}
# The mock evaluation's audience (READINESS_WATCHERS): the evaluation office, the commander on duty, administrators.
FORECAST_WATCHERS = frozenset({"ceping", "zhiban", "admin"})
# The police registers: the world's e-bike register is kept by 城管 桃城分局 (matrix._registry_world); its records and
# imports are that unit's and the administrators'.
REGISTER_KEEPERS = CG | ADMIN
# The credit network: the world's source is kept by 城管 桃城分局 (matrix._credit_world); office roles read published
# records, the department and the command centre every one; the power company must act on the 失信 records.
CREDIT_KEEPERS = CG | ADMIN
SEES_CREDIT_ALL = HQ | CG
# Who sees the world's target line (on the world's site, owned by its 包保 unit): as the site.
SEES_LINE = HQ | CG | {"taocheng", "anfang", "wangge"}
# Selections (评选): the organisers are the command centre and administrators; the world's nominations lie in wangge's
# community in 桃城区 (matrix._selection_world): seen by the organisers, the district, wangge (the nominator) and the
# city-wide inspector. Who may nominate (SELECTION_NOMINATORS: unit staff and area roles) sees the form.
SEL_ORGANISERS = HQ
SEES_NOMINATION = HQ | {"taocheng", "wangge", "anfang"}
SEL_NOMINATORS = HQ | CG | {"gongdian", "jiedao", "taocheng", "wangge", "other_district", "other_street"}
SEL_PHONE = "=13912345678"  # a public nominator's and objector's phone: the organisers' only
# The window service: the world's window is 城管 桃城分局's at 桃城区's hall: seen by the city-wide office roles, the
# unit and the district; kept (matters, staff, commitments, answers) by the unit and the command centre.
SEES_WINDOW = HQ | CG | {"taocheng"}
KEEPS_WINDOW = HQ | CG
WINDOW_RANKERS = frozenset({"zhiban", "paiqian", "admin"})
# Who imports windows: the command centre and administrators any, a unit's staff their unit's (the service checks).
WINDOW_IMPORTERS = HQ | CG | {"gongdian", "jiedao"}
# Volunteer service: who runs volunteer pages (VOLUNTEER_ORGANISERS: the command centre, administrators, unit roles,
# area leaders), and who sees the world's activity of 城管 桃城分局 in 桃城区 (matrix._volunteer_world).
VOL_ORGANISERS = HQ | CG | {"gongdian", "jiedao", "taocheng", "other_district", "other_street"}
SEES_VOL = HQ | CG | {"taocheng"}
# Who opens the world's patrol (jiedao's, on a road of 桃城区): its chief, the city-wide office roles, the district.
SEES_PATROL = HQ | {"jiedao", "taocheng"}


def expect(default, *overrides) -> dict[str, object]:
    """Every role gets ``default``, then each (roles, answer) pair in order overrides it."""
    answers = dict.fromkeys(ROLES, default)
    for roles, answer in overrides:
        answers.update(dict.fromkeys(roles, answer))
    return answers


PUBLIC = expect(200)
STAFF_ONLY = expect(200, (ANON, LOGIN))


@dataclass(frozen=True)
class Row:
    """One request per role to one URL pattern."""

    answers: dict[str, object]
    method: str = "GET"
    kwargs: dict[str, str] = field(default_factory=dict)  # URL kwarg → world key, or "=literal"
    anon_kwargs: dict[str, str] = field(default_factory=dict)  # what "anon" (without the tracking code) uses
    path: str = ""  # for an unnamed pattern: the path, with {world keys}
    query: str = ""
    counts: tuple[str, ...] = ()  # models whose row counts a POST must not change
    csrf: str = "enforced"  # "enforced": refused without the token; "api": DRF (logged-in only); "exempt"
    absent: tuple[str, ...] = ()  # world keys (or "=text", with {world keys}) that must not appear in an answer
    absent_for: frozenset[str] = frozenset(ROLES)  # … to these roles
    note: str = ""
    relogin: bool = False  # the request logs the role out (logout): log in again after it
    download: bool = False  # a 200 is an attachment (files people upload are never shown inline)


def get(answers, **kw) -> Row:
    return Row(answers=answers, **kw)


def post(answers, **kw) -> Row:
    return Row(answers=answers, method="POST", **kw)


# -- the admin: six patterns per model, from who sees the model, who sees the chosen object, who changes ----------

def admin_rows(label: str, *, view, sees, change=ADMIN, add=None, delete=None, obj: str = "") -> dict[str, tuple[Row, ...]]:
    """The rows of one model's admin pages: changelist, add, change (GET and an empty POST), history, delete
    and the bare ``<id>/`` redirect.

    ``view``: roles the admin lets look at the model; ``sees``: roles whose scope (``access.RULES``) holds the
    chosen object; ``change``/``add``/``delete``: who may do that. An object outside the role's scope gets the
    admin's answer for a missing one, its redirect (302), the same for every model.
    """
    app, model = label.split(".")
    add = change if add is None else add
    delete = change if delete is None else delete
    key = obj or f"adm:{label}"
    looks = STAFF & (view | change)

    def answers(*overrides):
        return expect(LOGIN, *overrides)

    missing = 302
    change_get = answers((STAFF, 403), (looks, missing), (sees & looks, 200))
    change_post = answers((STAFF, 403), (STAFF & change, missing), (sees & change, 200))
    history = answers((STAFF, missing), (sees & STAFF, 403), (sees & looks, 200))
    delete_get = answers((STAFF, 403), (STAFF & delete, missing), (sees & delete, 200))
    kw = {"object_id": key}
    prefix = f"admin:{app}_{model}"
    return {
        f"{prefix}_changelist": (get(answers((STAFF, 403), (view, 200))),),
        f"{prefix}_add": (get(answers((STAFF, 403), (add, 200))),),
        f"{prefix}_change": (get(change_get, kwargs=kw), post(change_post, kwargs=kw, counts=(label,))),
        f"{prefix}_history": (get(history, kwargs=kw),),
        f"{prefix}_delete": (get(delete_get, kwargs=kw),),
        f"admin/{app}/{model}/<path:object_id>/": (
            get(answers((STAFF, 302)), path=f"/admin/{app}/{model}/{{{key}}}/"),),
    }


# The object each admin model is opened with is in matrix._admin_objects; whose scope holds it is declared here.
NOBODY = frozenset()
ADMIN_MODELS = {
    # django-tasks' results: no role reads them in the admin.
    **admin_rows("django_tasks_database.dbtaskresult", view=NOBODY, sees=NOBODY, change=NOBODY),
    **admin_rows("common.calendarday", view=STAFF, sees=NOBODY),  # no row: the missing-object answers
    **admin_rows("common.auditevent", view=ADMIN, sees=ADMIN, change=NOBODY),
    # 桃城区 itself: the city-wide roles, the district, and its 城管 branch (the district is its jurisdiction).
    **admin_rows("org.area", view=STAFF, sees=HQ | CG | {"taocheng", "anfang"}),
    **admin_rows("org.responsibilitygrid", view=STAFF, sees=HQ | CG | {"anfang", "taocheng", "jiedao", "wangge"}),
    **admin_rows("org.unit", view=STAFF, sees=HQ | CG | {"taocheng", "anfang"}),
    # People are deactivated, never deleted once they acted (finding 4): chengguan has acted.
    **admin_rows("org.person", view=NOT_INSPECTORS, sees=HQ | CG | {"taocheng"}),
    **admin_rows("org.roleassignment", view=NOT_INSPECTORS, sees=HQ | CG | {"taocheng"}),
    **admin_rows("org.sitetype", view=STAFF, sees=STAFF),
    **admin_rows("org.site", view=STAFF, sees=HQ | CG | {"taocheng", "anfang", "wangge"}),
    **admin_rows("org.roadsegment", view=STAFF, sees=HQ | CG | {"anfang", "taocheng", "jiedao"}),
    **admin_rows("org.roadchief", view=STAFF, sees=HQ | {"anfang", "taocheng", "jiedao"}),
    **admin_rows("org.storefrontduty", view=STAFF, sees=HQ | {"anfang", "taocheng", "jiedao"}),
    # Campaign configuration is reference data; what carries events or decisions is never deleted (finding 4).
    **admin_rows("campaign.campaign", view=STAFF, sees=STAFF, delete=NOBODY),
    **admin_rows("campaign.action", view=STAFF, sees=STAFF, delete=NOBODY),
    **admin_rows("campaign.taskforce", view=STAFF, sees=STAFF, change=HQ, delete=NOBODY),
    **admin_rows("campaign.task", view=STAFF, sees=STAFF, change=HQ, delete=NOBODY),
    **admin_rows("campaign.progressreport", view=STAFF, sees=STAFF, change=NOBODY),
    **admin_rows("campaign.meeting", view=NOT_INSPECTORS, sees=NOT_INSPECTORS, change=HQ, delete=NOBODY),
    # The police registers: configured by administrators, read by office roles, never deleted (records hang off them).
    **admin_rows("registries.registry", view=NOT_INSPECTORS, sees=NOT_INSPECTORS, delete=NOBODY),
    # The window service's business items: configured by administrators, read by office roles.
    **admin_rows("windows.businessitem", view=NOT_INSPECTORS, sees=NOT_INSPECTORS),
    # The credit network: sources and joint-discipline measures configured by administrators, read by office roles.
    **admin_rows("credit.creditsource", view=NOT_INSPECTORS, sees=NOT_INSPECTORS, delete=NOBODY),
    **admin_rows("credit.jointmeasure", view=NOT_INSPECTORS, sees=NOT_INSPECTORS, delete=NOBODY),
    **admin_rows("cases.category", view=STAFF, sees=STAFF),
    **admin_rows("cases.timelimit", view=STAFF, sees=STAFF),
    **admin_rows("cases.routingrule", view=NO_INSPECTOR, sees=NO_INSPECTOR),
    # The one escalation policy: changed, never added twice, never deleted.
    **admin_rows("cases.escalationpolicy", view=STAFF, sees=STAFF, add=NOBODY, delete=NOBODY),
    **admin_rows("cases.facility", view=STAFF, sees=HQ | CG | {"anfang", "taocheng"}),
    # Cases and their events are the command centre's in the admin (the workbench masks what others may not read).
    **admin_rows("cases.case", view=HQ, sees=SEES_CASE, change=NOBODY),
    **admin_rows("cases.caseevent", view=HQ, sees=SEES_CASE, change=NOBODY),
    **admin_rows("cases.webhook", view=ADMIN, sees=ADMIN),
    **admin_rows("cases.webhookdelivery", view=ADMIN, sees=NOBODY, change=NOBODY),
    **admin_rows("cases.caseimportmapping", view=HQ, sees=HQ),
    **admin_rows("cases.caseimport", view=HQ, sees=NOBODY, change=NOBODY),
    **admin_rows("cases.followup", view=HQ, sees=SEES_CASE, change=NOBODY),
    # A version a snapshot used is frozen: the city adds a new one.
    **admin_rows("scoring.indexversion", view=NOT_INSPECTORS, sees=NOT_INSPECTORS, change=NOBODY, add=ADMIN),
    # Snapshots: the unit ranking is every scoring reader's; the inspectors' is the command centre's (finding 1).
    **admin_rows("scoring.scoresnapshot", view=NOT_INSPECTORS, sees=NOT_INSPECTORS, change=NOBODY),
    **admin_rows("scoring.redblacklist", view=NOT_INSPECTORS, sees=NOT_INSPECTORS, change=NOBODY),
    **admin_rows("scoring.accountabilityrecord", view=NOT_INSPECTORS, sees=HQ | CG | {"taocheng"}, change=NOBODY),
    **admin_rows("public.publicreport", view=HQ, sees=HQ, change=NOBODY),
    **admin_rows("api.apikey", view=ADMIN, sees=ADMIN),
    **admin_rows("api.open311report", view=HQ, sees=HQ, delete=NOBODY),
}
# The inspectors' snapshot in the admin: the command centre's only.
_insp = admin_rows("scoring.scoresnapshot", view=NOT_INSPECTORS, sees=HQ, change=NOBODY, obj="snapshot_insp")
for _name in ("admin:scoring_scoresnapshot_change", "admin:scoring_scoresnapshot_history",
              "admin:scoring_scoresnapshot_delete"):
    ADMIN_MODELS[_name] = ADMIN_MODELS[_name] + _insp[_name]
# Deleting a person who acted is refused with a message on their page; nobody else may delete at all.
ADMIN_MODELS["admin:org_person_delete"] = (
    get(expect(LOGIN, (STAFF, 403), (ADMIN, 302)), kwargs={"object_id": "adm:org.person"}),)
# Every field of an Open311 report is read-only: the administrator's empty save changes nothing, and returns to
# the list.
_o311 = ADMIN_MODELS["admin:api_open311report_change"]
ADMIN_MODELS["admin:api_open311report_change"] = (
    _o311[0], post({**_o311[1].answers, "admin": 302}, kwargs=_o311[1].kwargs, counts=_o311[1].counts))

CASE = {"pk": "case"}
OPEN311_HIDDEN = ("number_pending", "number_spam", "number_insp", "=13800138000", "=110101199003071234")
SINCE = "start_date=2026-01-01T00:00:00%2B08:00"


def _open311(name: str, *rows_kw: dict) -> tuple[Row, ...]:
    """One row per format: Open311 answers JSON and XML alike."""
    return tuple(Row(**{**kw, "kwargs": {**kw.get("kwargs", {}), "fmt": f"={fmt}"}})
                 for kw in rows_kw for fmt in ("json", "xml"))


def _api_risk_actions() -> dict[str, tuple[Row, ...]]:
    """Each risk action of the REST API, posted empty on the unit's record: refused for those who see it (a role
    not the action's, a missing note or evidence, a state it does not leave from), 404 for the others."""
    from wenming.evaluation.api import RISK_API_ACTIONS

    answers = expect(404, (ANON, 401), (SEES_RISK_CG, REFUSED))
    return {f"api:evaluation-risk-{key}": (post(answers, kwargs={"pk": "risk_cg"}, counts=("evaluation.riskevent",),
                                                csrf="api"),)
            for key in RISK_API_ACTIONS}


def _api_actions() -> dict[str, tuple[Row, ...]]:
    """Each workflow action of the REST API, posted empty on the unit's case: refused or a validation error for
    those who see the case, 404 for the others."""
    from wenming.api.views import ACTIONS

    answers = expect(404, (ANON, 401), (SEES_CASE, REFUSED))
    return {f"api:case-{key}": (post(answers, kwargs=CASE, counts=("cases.caseevent",), csrf="api"),)
            for key in ACTIONS}


TABLE: dict[str, tuple[Row, ...]] = {
    # -- the site's own pages ----------------------------------------------------------------------------------
    "home": (get(PUBLIC),),
    "healthz": (get(PUBLIC), post(expect(405))),
    "login": (get(PUBLIC), post(PUBLIC, counts=("org.person",))),
    "logout": (get(expect(405)), post(expect(LOGIN), relogin=True)),
    "set_language": (post(expect(302)),),
    "notifications": (get(STAFF_ONLY),),
    "notifications_read": (post(expect(302, (ANON, LOGIN))),),
    # -- org ----------------------------------------------------------------------------------------------------
    "org:area_list": (get(STAFF_ONLY),),
    "org:area_detail": (get(expect(404, (ANON, LOGIN), (HQ | CG | {"taocheng", "anfang"}, 200)),
                            kwargs={"code": "county_code"}),),
    "org:unit_list": (get(STAFF_ONLY),),
    "org:unit_detail": (get(expect(404, (ANON, LOGIN), (HQ | CG | {"taocheng", "anfang"}, 200)),
                            kwargs={"code": "unit_code"}),),
    "org:site_list": (get(STAFF_ONLY),),
    "org:site_detail": (get(expect(404, (ANON, LOGIN), (HQ | CG | {"taocheng", "anfang", "wangge"}, 200)),
                            kwargs={"code": "site_code"}),),
    # The facility registers (设施台账) and their export: every staff role, each counting the facilities of its scope
    # (restrict; org/tests/test_facilities.py tries areas in and out of scope).
    "org:facilities": (get(STAFF_ONLY), get(STAFF_ONLY, query="type=parking_lot")),
    "org:facilities_export": (get(STAFF_ONLY, query="type=youth_palace", download=True),),
    # The street registers' import (roads and chiefs, storefronts, facilities): administrators only, 404 for the
    # rest; an empty POST is a form refused in place (200) that writes nothing.
    "org:registers_import": (get(expect(404, (ANON, LOGIN), (ADMIN, 200))),
                             post(expect(404, (ANON, LOGIN), (ADMIN, 200)),
                                  counts=("org.roadsegment", "org.roadchief", "org.storefrontduty", "cases.facility",
                                          "org.site"))),
    # Outlines for the maps: districts and streets are public boundaries (any staff role); grids come only within
    # an area or a box (400 without), and only those of the role's scope (the answer is filtered, not refused).
    "org:outlines": (get(STAFF_ONLY, query="level=county,street"), get(STAFF_ONLY, query="level=grid&within=131102"),
                     get(expect(400, (ANON, LOGIN)), query="level=grid")),
    # The routing check belongs to cases and kept its /org/route/ address.
    "routing:check": (get(expect(200, (ANON, LOGIN), ({"anfang"}, 403))),),
    # -- cases ---------------------------------------------------------------------------------------------------
    "cases:workbench": (get(STAFF_ONLY),),
    "cases:map": (get(STAFF_ONLY),),
    # Whoever the intake service lets report (its REPORTING_CHANNELS): the administrator too, as over REST.
    "cases:new": (get(expect(404, (ANON, LOGIN), (CMD | {"wangge", "anfang", "admin"}, 200))),
                  post(expect(404, (ANON, LOGIN), (CMD | {"wangge", "anfang", "admin"}, 200)), counts=("cases.case",))),
    # The field staff's phone report and 我的上报: grid workers and inspectors (FIELD_REPORTERS) only; an empty post
    # is refused naming its fields (400) and stores nothing.
    "cases:field_new": (get(expect(404, (ANON, LOGIN), ({"wangge", "anfang"}, 200))),
                        post(expect(404, (ANON, LOGIN), ({"wangge", "anfang"}, 400)), counts=("cases.case",))),
    "cases:field_mine": (get(expect(404, (ANON, LOGIN), ({"wangge", "anfang"}, 200))),
                         get(expect(404, (ANON, LOGIN), ({"wangge", "anfang"}, 200)), query="page=999&new=abc")),
    "public:hotline": (get(expect(404, (ANON, LOGIN), ({"shouli", "zhiban"}, 200))),
                      post(expect(404, (ANON, LOGIN), ({"shouli", "zhiban"}, 200)), counts=("cases.case",))),
    "cases:import": (get(expect(404, (ANON, LOGIN), ({"shouli", "zhiban", "admin"}, 200))),
                     post(expect(404, (ANON, LOGIN), ({"shouli", "zhiban", "admin"}, 200)),
                          counts=("cases.case", "cases.caseimport"))),
    # The open 督办单 list: the command centre and the area leaders (each sees the notices of their scope).
    "cases:notices": (get(expect(404, (ANON, LOGIN), (CMD | {"taocheng", "other_district", "other_street"}, 200))),),
    "cases:batch_dispatch": (post(expect(302, (ANON, LOGIN)), counts=("cases.caseevent",)),),
    "cases:export": (get(STAFF_ONLY, kwargs={"fmt": "=csv"}, query="queue=all"),
                     get(STAFF_ONLY, kwargs={"fmt": "=xlsx"}, query="queue=all")),
    "cases:detail": (get(expect(404, (ANON, LOGIN), (SEES_CASE, 200)), kwargs=CASE),
                     get(expect(404, (ANON, LOGIN), (SEES_CASE, 200)), kwargs={"pk": "case_insp"},
                         note="the inspector's case: units and the district see it, not who reported it"),
                     get(expect(404, (ANON, LOGIN), (SEES_CASE, 200)), kwargs={"pk": "case_closed"},
                         note="the hotline case: its caller is named to the command centre only"),
                     get(expect(404, (ANON, LOGIN)), kwargs={"pk": "=999999999"}, note="missing: as out of scope")),
    "cases:action": (post(expect(404, (ANON, LOGIN), (SEES_CASE, 200)), kwargs={**CASE, "action": "=sign"},
                          counts=("cases.caseevent",)),
                     post(expect(404, (ANON, LOGIN)), kwargs={**CASE, "action": "=no_such_action"},
                          counts=("cases.caseevent",))),
    "cases:exposure": (get(expect(404, (ANON, LOGIN), ({"zhiban", "admin"}, 200)), kwargs={"pk": "case_closed"}),
                       post(expect(404, (ANON, LOGIN), ({"zhiban", "admin"}, 302)), kwargs={"pk": "case_closed"},
                            counts=("cases.exposure",))),
    "cases:evidence": (get(expect(404, (ANON, LOGIN), (SEES_CASE, 200)),
                           kwargs={"pk": "evidence", "variant": "=original"}),
                       get(expect(404, (ANON, LOGIN), (SEES_CASE, 200)), kwargs={"pk": "evidence", "variant": "=shared"})),
    # -- public columns --------------------------------------------------------------------------------------
    "exposure:board": (get(PUBLIC),),
    "exposure:board_feed": (get(PUBLIC),),
    "exposure:detail": (get(PUBLIC, kwargs={"pk": "exposure"}),),
    "exposure:photo": (get(PUBLIC, kwargs={"pk": "exposure_photo"}),),
    "exposure:showcase": (get(PUBLIC),),
    "exposure:showcase_feed": (get(PUBLIC),),
    "exposure:red_black": (get(PUBLIC),),
    "exposure:red_black_feed": (get(PUBLIC),),
    "exposure:red_black_detail": (get(PUBLIC, kwargs={"pk": "board"}),),
    # -- scoring: the inspectors' ranking and its explanations are the command centre's (finding 1) --------------
    "scoring:dashboard": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200))),),
    "scoring:screen": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200))),),
    "scoring:panels": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200))),),
    # The heat map one level down: 桃城区 lies within the heat map of the city-wide roles, of the district and of
    # its 城管 branch (its jurisdiction), and of the city-wide units (the power company, the civilisation office's
    # evaluation office); a street office, another district, inspectors: 404.
    "scoring:heatmap": (get(expect(404, (ANON, LOGIN), (HQ | CG | {"taocheng", "gongdian", "ceping"}, 200)),
                            query="area=131102"),),
    "scoring:snapshots": (get(STAFF_ONLY, absent=("=/scoring/snapshots/{snapshot_insp}/",), absent_for=ALL - HQ),),
    "scoring:snapshot_compute": (post(expect(404, (ANON, LOGIN), (HQ, 302)), counts=("scoring.scoresnapshot",)),),
    "scoring:snapshot": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200)), kwargs={"pk": "snapshot"}),
                         get(expect(404, (ANON, LOGIN), (HQ, 200)), kwargs={"pk": "snapshot_insp"})),
    "scoring:snapshot_act": (
        post(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 302)), kwargs={"pk": "snapshot", "action": "=publish"},
             counts=("scoring.scoresnapshot", "scoring.scorecorrection", "scoring.redblacklist")),
        post(expect(404, (ANON, LOGIN), (HQ, 302)), kwargs={"pk": "snapshot_insp", "action": "=board"},
             counts=("scoring.scoresnapshot", "scoring.scorecorrection", "scoring.redblacklist"))),
    "scoring:explain": (
        get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200)), kwargs={"pk": "snapshot", "key": "key_own_unit"}),
        get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200)), kwargs={"pk": "snapshot", "key": "key_other_unit"},
            note="another unit's explanation: its figures, not its cases"),
        get(expect(404, (ANON, LOGIN), (HQ, 200)), kwargs={"pk": "snapshot_insp", "key": "key_inspector"})),
    "scoring:boards": (get(STAFF_ONLY),),
    "scoring:board": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200)), kwargs={"pk": "board"}),),
    "scoring:board_act": (post(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 302)),
                               kwargs={"pk": "board", "action": "=withdraw"}, counts=("scoring.redblacklist",)),),
    "scoring:accountability_list": (
        get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200))),
        post(expect(404, (ANON, LOGIN), ({"zhiban", "admin"}, 200)), counts=("scoring.accountabilityrecord",))),
    "scoring:accountability": (
        get(expect(404, (ANON, LOGIN), (HQ | CG | {"taocheng"}, 200)), kwargs={"pk": "record"}),
        post(expect(404, (ANON, LOGIN), (HQ | CG | {"taocheng"}, 200)), kwargs={"pk": "record"},
             counts=("scoring.accountabilityfollowup",))),
    # -- campaign (reference data for all staff; meetings not for inspectors and grid workers) ------------------
    "campaign:overview": (get(STAFF_ONLY),),
    "campaign:force": (get(STAFF_ONLY, kwargs={"pk": "force"}),),
    "campaign:task": (get(STAFF_ONLY, kwargs={"pk": "task"}),),
    "campaign:task_report": (post(expect(400, (ANON, LOGIN)), kwargs={"pk": "task"},
                                  counts=("campaign.progressreport",)),),
    "campaign:evidence": (get(STAFF_ONLY, kwargs={"pk": "progress_evidence"}, download=True),),
    # The task workbooks (issue 18): the list (filtered as the REST list) and one task's, for all staff.
    "campaign:tasks_export": (get(STAFF_ONLY, download=True), get(STAFF_ONLY, query="status=behind&action=R06",
                                                                  download=True)),
    "campaign:task_export": (get(STAFF_ONLY, kwargs={"pk": "task"}, download=True),),
    # Target lists: the recompute button answers every staff role with a redirect (refused with a message for all
    # but the command centre and the task force's leader; the world's task has no list); a line is seen as its site.
    "campaign:targets_recompute": (post(expect(302, (ANON, LOGIN)), kwargs={"pk": "task"}),),
    "campaign:line": (get(expect(404, (ANON, LOGIN), (SEES_LINE, 200)), kwargs={"pk": "target_line"}),),
    "campaign:line_submit": (post(expect(404, (ANON, LOGIN), (SEES_LINE, 400)), kwargs={"pk": "target_line"},
                                  counts=("campaign.targetevidence",)),),
    "campaign:line_review": (post(expect(404, (ANON, LOGIN), (SEES_LINE, 400)), kwargs={"pk": "target_line"},
                                  counts=("campaign.taskevent",)),),
    "campaign:line_evidence": (get(expect(404, (ANON, LOGIN), (SEES_LINE, 200)), kwargs={"pk": "target_evidence"},
                                   download=True),),
    "campaign:supervision": (get(STAFF_ONLY),),
    "campaign:map": (get(STAFF_ONLY),),
    "campaign:map_data": (get(STAFF_ONLY),),
    "campaign:meetings": (get(STAFF_ONLY),),
    "campaign:meeting_prepare": (post(expect(302, (ANON, LOGIN)), counts=("campaign.meeting",)),),
    "campaign:meeting": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200)), kwargs={"pk": "meeting"}),),
    "campaign:meeting_minutes": (post(expect(404, (ANON, LOGIN), (HQ, 400)), kwargs={"pk": "meeting"}),),
    "campaign:meeting_decide": (post(expect(404, (ANON, LOGIN), (HQ, 400)), kwargs={"pk": "meeting"},
                                     counts=("campaign.task",)),),
    "reports:meeting_docx": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200)), kwargs={"pk": "meeting"},
                                 download=True),),
    "reports:meeting_xlsx": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200)), kwargs={"pk": "meeting"},
                                 download=True),),
    # -- the evaluation framework: office staff read it; a unit sees the criteria it leads or shares -------------
    "evaluation:editions": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200))),),
    "evaluation:mine": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200))),),
    # Readiness at a glance: every office role reads it, each in its own scope (a unit: its own criteria).
    "evaluation:readiness": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200))),
                             get(expect(404, (ANON, LOGIN)), query="edition=NO-SUCH")),
    "evaluation:readiness_domain": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200)), kwargs={"code": "=P5"}),
                                    get(expect(404, (ANON, LOGIN)), kwargs={"code": "=NO-SUCH"})),
    "api:evaluation-readiness": (get(expect(404, (ANON, 401), (NOT_INSPECTORS, 200))),),
    # The mock evaluation (模拟测评): its audience only; anyone else 404, as a missing page.
    "evaluation:forecast": (get(expect(404, (ANON, LOGIN), (FORECAST_WATCHERS, 200))),),
    "api:evaluation-forecast": (get(expect(404, (ANON, 401), (FORECAST_WATCHERS, 200))),),
    "evaluation:edition": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200)), kwargs={"code": "=DEMO-2026"}),
                           get(expect(404, (ANON, LOGIN)), kwargs={"code": "=NO-SUCH"})),
    "evaluation:edition_current": (post(expect(404, (ANON, LOGIN), (KEEPERS, 302)), kwargs={"code": "=DEMO-2026"},
                                        counts=("evaluation.edition",)),),
    "evaluation:edition_export": (get(expect(404, (ANON, LOGIN), (KEEPERS, 200)), kwargs={"code": "=DEMO-2026"},
                                      download=True),),
    "evaluation:criterion": (get(expect(404, (ANON, LOGIN), (SEES_CRITERION_CG, 200)), kwargs={"pk": "criterion_cg"}),
                             get(expect(404, (ANON, LOGIN), (HQ | {"ceping"}, 200)), kwargs={"pk": "criterion_other"})),
    "evaluation:responsibility": (
        get(expect(404, (ANON, LOGIN), (KEEPERS, 200)), kwargs={"pk": "criterion_cg"}),
        post(expect(404, (ANON, LOGIN), (KEEPERS, 400)), kwargs={"pk": "criterion_cg"},
             counts=("evaluation.criterionevent",))),
    "evaluation:compare": (get(expect(404, (ANON, LOGIN), (KEEPERS, 200)), query="old=DEMO-2023&new=DEMO-2026"),),
    "evaluation:compare_export": (get(expect(404, (ANON, LOGIN), (KEEPERS, 200)), query="old=DEMO-2023&new=DEMO-2026",
                                      download=True),),
    "evaluation:import": (get(expect(404, (ANON, LOGIN), (KEEPERS, 200))),
                          post(expect(404, (ANON, LOGIN), (KEEPERS, 400)),
                               counts=("evaluation.edition", "evaluation.criterionevent"))),
    "evaluation:demo_workbook": (get(expect(404, (ANON, LOGIN), (KEEPERS, 200)), download=True),),
    # -- the ledger (台账) and the 回头看 rounds: a unit sees its own criteria's entries; the office writes ---------
    "evaluation:ledger": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200))),),
    "evaluation:ledger_period_create": (post(expect(404, (ANON, LOGIN), (KEEPERS, 302)),
                                             counts=("evaluation.assessmentperiod",)),),
    "evaluation:ledger_export": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200)), download=True),),
    "evaluation:ledger_entry": (
        get(expect(404, (ANON, LOGIN), (SEES_CRITERION_CG, 200)), kwargs={"pk": "criterion_cg"}),
        get(expect(404, (ANON, LOGIN), (HQ | {"ceping"}, 200)), kwargs={"pk": "criterion_other"}),
        # The office assessed it: its lead unit no longer self-assesses it; an empty form is refused.
        post(expect(404, (ANON, LOGIN), (KEEPERS, 400)), kwargs={"pk": "criterion_cg"},
             counts=("evaluation.ledgerevent", "evaluation.ledgerevidence"))),
    "evaluation:ledger_evidence": (get(expect(404, (ANON, LOGIN), (SEES_CRITERION_CG, 200)),
                                       kwargs={"pk": "ledger_evidence"}, download=True),),
    "evaluation:rounds": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200))),
                          post(expect(404, (ANON, LOGIN), (KEEPERS, 400)), counts=("evaluation.reviewround",))),
    "evaluation:round": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200)), kwargs={"pk": "review_round"}),),
    "evaluation:round_record": (post(expect(404, (ANON, LOGIN), (KEEPERS, 400)), kwargs={"pk": "review_round"},
                                     counts=("evaluation.ledgerevent", "evaluation.reviewevent")),),
    # The round is closed: closing it again creates nothing.
    "evaluation:round_close": (post(expect(404, (ANON, LOGIN), (KEEPERS, 302)), kwargs={"pk": "review_round"},
                                    counts=("campaign.task", "evaluation.reviewevent")),),
    "api:evaluation-ledger-list": (get(expect(200, (ANON, 401))),),
    "api:evaluation-ledger-detail": (get(expect(404, (ANON, 401), (SEES_CRITERION_CG, 200)),
                                         kwargs={"pk": "ledger_entry"}),),
    "api:evaluation-round-list": (get(expect(200, (ANON, 401))),),
    "api:evaluation-round-detail": (get(expect(404, (ANON, 401), (NOT_INSPECTORS, 200)),
                                        kwargs={"pk": "review_round"}),),
    # -- inspections: a planned round is its planners' only; an inspector reads their own days ------------------
    "inspections:rounds": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200))),),
    "inspections:plan": (get(expect(404, (ANON, LOGIN), (PLANNERS, 200))),
                         post(expect(404, (ANON, LOGIN), (PLANNERS, 400)), counts=("inspections.round",))),
    "inspections:round": (get(expect(404, (ANON, LOGIN), (PLANNERS, 200)), kwargs={"pk": "insp_round"}),),
    "inspections:release": (post(expect(404, (ANON, LOGIN), (PLANNERS, 302)), kwargs={"pk": "insp_round"},
                                 counts=("inspections.roundevent",)),),
    "inspections:followup": (get(expect(404, (ANON, LOGIN), (PLANNERS, 200)), kwargs={"pk": "insp_round"}),),
    "inspections:notices": (post(expect(404, (ANON, LOGIN), (PLANNERS, 400)), kwargs={"pk": "insp_round"},
                                 counts=("cases.supervisionnotice", "inspections.roundevent")),),
    "inspections:reinspect": (post(expect(404, (ANON, LOGIN), (PLANNERS, 400)), kwargs={"pk": "insp_round"},
                                   counts=("inspections.assignment",)),),
    "inspections:round_report": (get(expect(404, (ANON, LOGIN), (PLANNERS, 200)), kwargs={"pk": "insp_round"},
                                     download=True),),
    "inspections:trends": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200))),),
    "inspections:schemes": (get(expect(404, (ANON, LOGIN), (PLANNERS, 200))),),
    "inspections:scheme": (get(expect(404, (ANON, LOGIN), (PLANNERS, 200)), kwargs={"pk": "insp_scheme"}),),
    "inspections:scheme_import": (get(expect(404, (ANON, LOGIN), (PLANNERS, 200))),
                                  post(expect(404, (ANON, LOGIN), (PLANNERS, 400)), counts=("inspections.scheme",))),
    "inspections:my_day": (get(expect(404, (ANON, LOGIN), ({"anfang"}, 200))),),
    "inspections:assignment": (get(expect(404, (ANON, LOGIN), ({"anfang"}, 200)), kwargs={"pk": "insp_assignment"}),
                               post(expect(404, (ANON, LOGIN), ({"anfang"}, 400)), kwargs={"pk": "insp_assignment"},
                                    counts=("inspections.result", "cases.case"))),
    # The offline app: its shell is the inspector's alone; the worker and the manifest hold no data and are
    # public (browsers fetch the manifest without cookies, and a worker update must not be a login redirect).
    "inspections:app": (get(expect(404, (ANON, LOGIN), ({"anfang"}, 200))),),
    "inspections:app_sw": (get(expect(200)),),
    "inspections:app_manifest": (get(expect(200)),),
    # Settling a sync conflict: planners only; the world has no conflict event, so the planners' answer is the
    # redirect back with the error (nothing written).
    "inspections:conflict_settle": (post(expect(404, (ANON, LOGIN), (PLANNERS, 302)),
                                         kwargs={"pk": "insp_round", "event": "=999999"},
                                         counts=("inspections.roundevent", "inspections.assignment")),),
    # -- road chiefs' patrols: jiedao is the street-level chief of the world's road (matrix._patrol_world); the
    # supervisors' pages are every office role's, each patrol its chief's and, read only, its scope's ----------------
    "inspections:road_mine": (get(expect(404, (ANON, LOGIN), ({"jiedao"}, 200))),),
    "inspections:patrol_start": (post(expect(404, (ANON, LOGIN), ({"jiedao"}, 302)), kwargs={"chief": "patrol_chief"},
                                      counts=("inspections.patrol",)),),
    "inspections:patrol_log": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200))),),
    "inspections:patrol_indicators": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200))),),
    "inspections:patrol": (get(expect(404, (ANON, LOGIN), (SEES_PATROL, 200)), kwargs={"pk": "patrol"}),),
    "inspections:patrol_checkin": (post(expect(404, (ANON, LOGIN), ({"jiedao"}, 302)), kwargs={"pk": "patrol"},
                                        counts=("inspections.patrolcheckin",)),),
    "inspections:patrol_finding": (post(expect(404, (ANON, LOGIN), ({"jiedao"}, 400)), kwargs={"pk": "patrol"},
                                        counts=("cases.case", "inspections.patrolfinding")),),
    # jiedao's finish ends the world's patrol (after the start above, which returned it): only the others' must
    # change nothing, hence no patrol event count here.
    "inspections:patrol_finish": (post(expect(404, (ANON, LOGIN), ({"jiedao"}, 302)), kwargs={"pk": "patrol"},
                                       counts=("inspections.patrolcheckin", "cases.case")),),
    "api:inspections-patrols-mine": (get(expect(404, (ANON, 401), ({"jiedao"}, 200))),),
    "api:inspections-patrols-checkins": (post(expect(400, (ANON, 401)), counts=("inspections.patrolcheckin",),
                                              csrf="api"),),
    "api:inspections-patrols-start": (post(expect(400, (ANON, 401)), counts=("inspections.patrol",), csrf="api"),),
    # After the web finish above the world's patrol has ended: its chief is told so (400), everyone else finds none.
    "api:inspections-patrols-finish": (post(expect(404, (ANON, 401), ({"jiedao"}, 400)), kwargs={"pk": "patrol"},
                                            counts=("inspections.patrolevent",), csrf="api"),),
    "api:inspections-patrols-findings": (post(expect(404, (ANON, 401), ({"jiedao"}, 400)), kwargs={"pk": "patrol"},
                                              counts=("cases.case", "inspections.patrolfinding"), csrf="api"),),
    "api:inspections-assignments": (get(expect(404, (ANON, 401), ({"anfang"}, 200))),),
    "api:inspections-results": (post(expect(404, (ANON, 401), ({"anfang"}, 400)), counts=("inspections.result",),
                                     csrf="api"),),
    # -- storefront checks (门前五包): readers in scope; checkers (command centre, the supervising unit) act -------------
    "inspections:storefronts": (get(expect(404, (ANON, LOGIN), (STAFF - {"anfang"}, 200))),),
    "inspections:storefront_find": (get(expect(404, (ANON, LOGIN), (SF_CHECKERS, 200))),),
    "inspections:storefront": (get(expect(404, (ANON, LOGIN), (SEES_SHOP, 200)), kwargs={"pk": "sf_shop"}),),
    "inspections:storefront_check": (
        get(expect(404, (ANON, LOGIN), (CHECKS_SHOP, 200)), kwargs={"pk": "sf_shop"}),
        post(expect(404, (ANON, LOGIN), (CHECKS_SHOP, 400)), kwargs={"pk": "sf_shop"},
             counts=("inspections.storefrontcheck", "inspections.storefrontnotice"))),
    "inspections:storefront_notice": (get(expect(404, (ANON, LOGIN), (SEES_SHOP, 200)), kwargs={"pk": "sf_notice"}),),
    "inspections:storefront_notice_word": (get(expect(404, (ANON, LOGIN), (SEES_SHOP, 200)), kwargs={"pk": "sf_notice"},
                                              download=True),),
    "inspections:storefront_serve": (post(expect(404, (ANON, LOGIN), (CHECKS_SHOP, 302)), kwargs={"pk": "sf_notice"},
                                          counts=("inspections.storefrontevent",)),),
    "inspections:storefront_recheck": (
        get(expect(404, (ANON, LOGIN), (CHECKS_SHOP, 200)), kwargs={"pk": "sf_notice"}),
        post(expect(404, (ANON, LOGIN), (CHECKS_SHOP, 400)), kwargs={"pk": "sf_notice"},
             counts=("inspections.storefrontcheck", "cases.case"))),
    "inspections:storefront_photo": (get(expect(404, (ANON, LOGIN), (SEES_SHOP, 200)), kwargs={"pk": "sf_photo"}),),
    "api:evaluation-edition-list": (get(expect(200, (ANON, 401))),),
    "api:evaluation-edition-detail": (get(expect(404, (ANON, 401), (NOT_INSPECTORS, 200)), kwargs={"code": "=DEMO-2026"}),),
    "api:evaluation-criterion-list": (get(expect(200, (ANON, 401))),),
    "api:evaluation-criterion-detail": (
        get(expect(404, (ANON, 401), (SEES_CRITERION_CG, 200)), kwargs={"pk": "criterion_cg"}),
        get(expect(404, (ANON, 401), (HQ | {"ceping"}, 200)), kwargs={"pk": "criterion_other"})),
    # -- the risk watch: office staff and units read it; a unit sees the records of the criteria it leads -------
    "evaluation:risks": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200))),),
    "evaluation:risk": (get(expect(404, (ANON, LOGIN), (SEES_RISK_CG, 200)), kwargs={"pk": "risk_cg"}),
                        get(expect(404, (ANON, LOGIN), (SEES_RISK_OTHER, 200)), kwargs={"pk": "risk_other"})),
    "evaluation:risk_act": (
        post(expect(404, (ANON, LOGIN), (SEES_RISK_CG, 400)), kwargs={"pk": "risk_cg", "key": "=respond"},
             counts=("evaluation.riskevent",)),
        post(expect(404, (ANON, LOGIN)), kwargs={"pk": "risk_cg", "key": "=late"}, counts=("evaluation.riskevent",)),
        post(expect(404, (ANON, LOGIN), (SEES_RISK_OTHER, 400)), kwargs={"pk": "risk_other", "key": "=supervise"},
             counts=("evaluation.riskevent",))),
    "evaluation:risk_evidence": (get(expect(404, (ANON, LOGIN), (SEES_RISK_CG, 200)), kwargs={"pk": "risk_evidence"},
                                     download=True),),
    "evaluation:risk_incident": (get(expect(404, (ANON, LOGIN), (INCIDENT_REPORTERS, 200))),
                                 post(expect(404, (ANON, LOGIN), (INCIDENT_REPORTERS, 400)),
                                      counts=("evaluation.risksignal",))),
    "evaluation:risk_plans": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200))),),
    "evaluation:risk_plan": (get(expect(404, (ANON, LOGIN), (SEES_CRITERION_CG, 200)),
                                 kwargs={"criterion_pk": "criterion_cg"}),),
    "evaluation:risk_plan_edit": (
        get(expect(404, (ANON, LOGIN), (PLAN_EDITORS, 200)), kwargs={"criterion_pk": "criterion_cg"}),
        post(expect(404, (ANON, LOGIN), (PLAN_EDITORS, 400)), kwargs={"criterion_pk": "criterion_cg"},
             counts=("evaluation.riskplanrevision",))),
    "evaluation:risk_plan_revision": (get(expect(404, (ANON, LOGIN), (SEES_CRITERION_CG, 200)),
                                          kwargs={"criterion_pk": "criterion_cg", "number": "=1"}),),
    "evaluation:risk_plan_file": (get(expect(404, (ANON, LOGIN), (SEES_CRITERION_CG, 200)),
                                      kwargs={"pk": "risk_plan_file"}, download=True),),
    "api:evaluation-risk-list": (get(expect(200, (ANON, 401))),),
    "api:evaluation-risk-detail": (
        get(expect(404, (ANON, 401), (SEES_RISK_CG, 200)), kwargs={"pk": "risk_cg"}),
        get(expect(404, (ANON, 401), (SEES_RISK_OTHER, 200)), kwargs={"pk": "risk_other"})),
    **_api_risk_actions(),
    # -- the online materials (网报材料): a unit sees its own, the evaluation office reviews and packs ------------
    "evaluation:materials": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200))),),
    "evaluation:material_list": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200)), query="state=submitted"),),
    "evaluation:material": (get(expect(404, (ANON, LOGIN), (SEES_CRITERION_CG, 200)), kwargs={"pk": "material_cg"}),),
    "evaluation:material_step": (
        post(expect(404, (ANON, LOGIN), (SEES_CRITERION_CG, 400)), kwargs={"pk": "material_cg", "key": "=approve"},
             counts=("evaluation.materialevent", "evaluation.materialsubmission")),),
    "evaluation:material_file": (get(expect(404, (ANON, LOGIN), (SEES_CRITERION_CG, 200)),
                                     kwargs={"pk": "material_file"}, download=True),),
    "evaluation:material_window": (get(expect(404, (ANON, LOGIN), (KEEPERS, 200))),
                                   post(expect(404, (ANON, LOGIN), (KEEPERS, 400)),
                                        counts=("evaluation.submissionwindow",))),
    "evaluation:material_import": (get(expect(404, (ANON, LOGIN), (KEEPERS, 200))),
                                   post(expect(404, (ANON, LOGIN), (KEEPERS, 400)),
                                        counts=("evaluation.materialrequirement",))),
    "evaluation:material_package": (get(expect(404, (ANON, LOGIN), (KEEPERS, 200)), download=True),),
    "evaluation:material_new": (get(expect(404, (ANON, LOGIN), (KEEPERS, 200)), kwargs={"criterion": "criterion_cg"}),
                                post(expect(404, (ANON, LOGIN), (KEEPERS, 400)), kwargs={"criterion": "criterion_cg"},
                                     counts=("evaluation.materialrequirement",))),
    "evaluation:material_edit": (
        get(expect(404, (ANON, LOGIN), (KEEPERS, 200)), kwargs={"criterion": "criterion_cg", "pk": "material_cg"}),
        post(expect(404, (ANON, LOGIN), (KEEPERS, 400)), kwargs={"criterion": "criterion_cg", "pk": "material_cg"},
             counts=("evaluation.materialevent",))),
    "api:evaluation-material-list": (get(expect(200, (ANON, 401))),),
    "api:evaluation-material-detail": (get(expect(404, (ANON, 401), (SEES_CRITERION_CG, 200)),
                                           kwargs={"pk": "material_cg"}),),
    # -- the police registers (电动车·养犬): figures for office roles; records, imports for the owning department ------
    # (in the world 城管 桃城分局 keeps the e-bike register: matrix._registry_world) and administrators.
    "registries:list": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200)), absent=("=MX00001",)),),
    "registries:detail": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200)), kwargs={"kind": "=ebike"},
                              absent=("=MX00001",)),
                          get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200)), kwargs={"kind": "=ebike"},
                              query="area=131102", absent=("=MX00001",))),
    "registries:records": (get(expect(404, (ANON, LOGIN), (REGISTER_KEEPERS, 200)), kwargs={"kind": "=ebike"},
                               query="number=MX00001", absent=("=MX00001",), absent_for=ALL - REGISTER_KEEPERS),),
    "registries:imports": (get(expect(404, (ANON, LOGIN), (REGISTER_KEEPERS, 200)), kwargs={"kind": "=ebike"}),),
    "registries:import": (get(expect(404, (ANON, LOGIN), (REGISTER_KEEPERS, 200)), kwargs={"kind": "=ebike"}),
                          post(expect(404, (ANON, LOGIN), (REGISTER_KEEPERS, 400)), kwargs={"kind": "=ebike"},
                               counts=("registries.registryimport", "registries.registryrecord"))),
    "registries:check": (post(expect(404, (ANON, LOGIN), (SEES_CASE, 302)), kwargs={"case_pk": "case"},
                              counts=("registries.registrycheck", "cases.caseevent")),),
    # -- selections (评选): staff pages; the organisers act, the nomination follows its area --------------------------
    "selections:calls": (get(STAFF_ONLY),),
    "selections:call_new": (get(expect(404, (ANON, LOGIN), (SEL_ORGANISERS, 200))),
                            post(expect(404, (ANON, LOGIN), (SEL_ORGANISERS, 400)), counts=("selections.call",))),
    "selections:my_review": (get(STAFF_ONLY),),
    "selections:kind_new": (post(expect(404, (ANON, LOGIN), (SEL_ORGANISERS, 302)), counts=("selections.selectionkind",)),),
    "selections:call": (get(STAFF_ONLY, kwargs={"pk": "sel_call"}, absent=(SEL_PHONE,)),),
    "selections:call_edit": (get(expect(404, (ANON, LOGIN), (SEL_ORGANISERS, 200)), kwargs={"pk": "sel_call"}),
                             post(expect(404, (ANON, LOGIN), (SEL_ORGANISERS, 400)), kwargs={"pk": "sel_call"},
                                  counts=("selections.callevent",))),
    "selections:call_step": (post(expect(302, (ANON, LOGIN)), kwargs={"pk": "sel_call"},
                                  counts=("selections.callevent",)),),
    "selections:panel_add": (post(expect(302, (ANON, LOGIN)), kwargs={"pk": "sel_call"},
                                  counts=("selections.panelmember",)),),
    "selections:nominate": (get(expect(404, (ANON, LOGIN), (SEL_NOMINATORS, 200)), kwargs={"pk": "sel_call_open"}),
                            post(expect(404, (ANON, LOGIN), (SEL_NOMINATORS, 400)), kwargs={"pk": "sel_call_open"},
                                 counts=("selections.nomination",))),
    "selections:nomination": (get(expect(404, (ANON, LOGIN), (SEES_NOMINATION, 200)), kwargs={"pk": "sel_in_notice"},
                                  absent=(SEL_PHONE,), absent_for=ALL - SEL_ORGANISERS),
                              get(expect(404, (ANON, LOGIN), (SEES_NOMINATION, 200)), kwargs={"pk": "sel_nomination"})),
    **{name: (post(expect(404, (ANON, LOGIN), (SEES_NOMINATION, 302)), kwargs={"pk": "sel_nomination"},
                   counts=("selections.nominationevent", "selections.qualificationresult",
                           "selections.conflictdeclaration", "selections.expertscore", "selections.objection")),)
       for name in ("selections:qualify", "selections:override", "selections:declare", "selections:score",
                    "selections:objection", "selections:revoke", "selections:withdraw")},
    "selections:photo": (get(expect(404, (ANON, LOGIN), (SEES_NOMINATION, 200)),
                             kwargs={"pk": "sel_nomination", "photo": "sel_photo"}),),
    "selections:score_correct": (post(expect(404, (ANON, LOGIN), (SEL_ORGANISERS, 302)), kwargs={"pk": "sel_score"},
                                      counts=("selections.expertscore", "selections.nominationevent")),),
    "selections:objection_decide": (post(expect(404, (ANON, LOGIN), (SEES_NOMINATION, 302)),
                                         kwargs={"pk": "sel_objection"},
                                         counts=("selections.objection", "selections.nominationevent")),),
    # -- selections: the public 晾晒 page, winners, feed, public nomination and objection (no login, no phone) ---------
    "selection_results:board": (get(PUBLIC, absent=(SEL_PHONE,)),),
    "selection_results:feed": (get(PUBLIC, absent=(SEL_PHONE,)),),
    "selection_results:winner": (get(PUBLIC, kwargs={"pk": "sel_winner"}, absent=(SEL_PHONE,)),
                                 get(PUBLIC, kwargs={"pk": "sel_in_notice"}, absent=(SEL_PHONE,)),
                                 get(expect(404), kwargs={"pk": "sel_nomination"})),
    "selection_results:objection": (post(expect(400), kwargs={"pk": "sel_in_notice"},
                                         counts=("selections.objection",)),),
    "selection_results:photo": (get(PUBLIC, kwargs={"pk": "sel_notice_photo"}),
                                get(expect(404), kwargs={"pk": "sel_photo"})),
    "selection_results:nominate": (get(PUBLIC, kwargs={"pk": "sel_call_open"}),
                                   post(expect(400), kwargs={"pk": "sel_call_open"}, counts=("selections.nomination",)),
                                   get(expect(404), kwargs={"pk": "sel_call"})),
    "api:selection-call-list": (get(expect(200, (ANON, 401)), absent=(SEL_PHONE,)),),
    "api:selection-call-detail": (get(expect(200, (ANON, 401)), kwargs={"pk": "sel_call"}),),
    "api:selection-result-list": (get(PUBLIC, absent=(SEL_PHONE,)),),
    "api:selection-result-detail": (get(PUBLIC, kwargs={"pk": "sel_winner"}),
                                    get(expect(404), kwargs={"pk": "sel_nomination"})),
    # -- the public vote of selections (评选公众投票): the ballot is public; a vote needs a phone verified by SMS in
    # the session (none here: 403), the review of flagged votes is the command centre's and administrators'.
    "selections:vote_calls": (get(PUBLIC, absent=("=pppppppp",)),),
    "selections:vote_ballot": (get(PUBLIC, kwargs={"call_pk": "vote_call"}, absent=("=pppppppp",)),),
    "selections:vote_photo": (get(PUBLIC, kwargs={"call_pk": "vote_call", "pk": "vote_photo"}),),
    "selections:vote_verify": (post(expect(400), kwargs={"call_pk": "vote_call"},
                                    counts=("public.phoneverification", "selections.vote")),),
    "selections:vote_cast": (post(expect(403), kwargs={"call_pk": "vote_call"}, counts=("selections.vote",)),),
    "selections:vote_review_calls": (get(expect(404, (ANON, LOGIN), (HQ, 200))),),
    "selections:vote_review": (get(expect(404, (ANON, LOGIN), (HQ, 200)), kwargs={"call_pk": "vote_call"}),),
    "selections:vote_decide": (post(expect(404, (ANON, LOGIN), (HQ, 302)), kwargs={"call_pk": "vote_call"},
                                    counts=("selections.voteevent", "selections.voteflag")),),
    # -- the window service (窗口文明服务): staff pages in scope; the QR page and the published rankings are public ---
    "windows:list": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200))),),
    "windows:new": (post(expect(404, (ANON, LOGIN), (HQ, 302)), counts=("windows.servicewindow",)),),
    "windows:detail": (get(expect(404, (ANON, LOGIN), (SEES_WINDOW, 200)), kwargs={"pk": "window"}),),
    "windows:matter_accept": (post(expect(404, (ANON, LOGIN), (SEES_WINDOW, 302)), kwargs={"pk": "window"},
                                   counts=("windows.matter",)),),
    "windows:import": (get(expect(404, (ANON, LOGIN), (KEEPS_WINDOW, 200)), kwargs={"pk": "window"}),
                       post(expect(404, (ANON, LOGIN), (KEEPS_WINDOW, 400)), kwargs={"pk": "window"},
                            counts=("windows.matter",))),
    "windows:commitment": (post(expect(404, (ANON, LOGIN), (SEES_WINDOW, 302)), kwargs={"pk": "window"},
                                counts=("windows.windowcommitment",)),),
    "windows:staff": (post(expect(404, (ANON, LOGIN), (SEES_WINDOW, 302)), kwargs={"pk": "window"},
                           counts=("windows.windowstaff",)),),
    "windows:matter_complete": (post(expect(404, (ANON, LOGIN), (SEES_WINDOW, 302)), kwargs={"pk": "matter"},
                                     counts=("windows.windowevent",)),),
    "windows:followups": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200))),),
    "windows:followup_answer": (post(expect(404, (ANON, LOGIN), (SEES_WINDOW, 302)), kwargs={"pk": "rating"},
                                     counts=("windows.windowevent",)),),
    "windows:periods": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200))),
                        post(expect(404, (ANON, LOGIN), (WINDOW_RANKERS, 400)),
                             counts=("windows.competitionperiod",))),
    "windows:period": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200)), kwargs={"pk": "period_draft"}),),
    "windows:period_action": (post(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 302)),
                                   kwargs={"pk": "period_draft", "action": "=compute"},
                                   counts=("windows.competitionevent",)),),
    "windows:windows_import": (get(expect(404, (ANON, LOGIN), (WINDOW_IMPORTERS, 200))),
                               post(expect(404, (ANON, LOGIN), (WINDOW_IMPORTERS, 400)),
                                    counts=("windows.servicewindow",))),
    # Linking a complaint case to a window (the case page's panel): the command centre's, on a case it sees.
    "windows:complaint_link": (post(expect(404, (ANON, LOGIN), (HQ, 302)), kwargs={"case_id": "case"},
                                    counts=("windows.windowcomplaint", "cases.caseevent")),),
    "windows:complaint_unlink": (post(expect(404, (ANON, LOGIN), (HQ, 302)), kwargs={"case_id": "case"},
                                      counts=("windows.windowcomplaint", "cases.caseevent")),),
    "windows:rankings": (get(PUBLIC),),
    "windows:ranking": (get(PUBLIC, kwargs={"pk": "period_published"}),
                        get(expect(404), kwargs={"pk": "period_draft"}, note="a draft is nobody's to read here")),
    "windows:public": (get(PUBLIC, kwargs={"code": "window_code"}),
                       post(expect(400), kwargs={"code": "window_code"}, counts=("windows.windowrating",))),
    "windows:complain": (post(expect(400), kwargs={"code": "window_code"}, counts=("windows.windowcomplaint",)),),
    "api:windows-matters": (post(expect(404, (ANON, 401), (KEEPS_WINDOW, 400)), kwargs={"code": "window_code"},
                                 counts=("windows.matter",), csrf="api"),),
    # -- volunteer service (志愿服务): the calendar and activity pages are public and name nobody; the volunteer's own
    # pages need the phone-verified session (no role has one: 302 to the volunteer sign-in); the organisers' pages
    # are VOL_ORGANISERS' (404 for the rest), each activity and record in its scope.
    "volunteers:calendar": (get(PUBLIC, absent=("=" + matrix.VOLUNTEER_NAME, "=" + matrix.VOLUNTEER_PHONE)),),
    "volunteers:activity": (get(PUBLIC, kwargs={"pk": "vol_activity"},
                                absent=("=" + matrix.VOLUNTEER_NAME, "=" + matrix.VOLUNTEER_PHONE)),),
    "volunteers:organisation_public": (get(PUBLIC, kwargs={"pk": "vol_org"},
                                           absent=("=" + matrix.VOLUNTEER_NAME, "=" + matrix.VOLUNTEER_PHONE)),),
    "volunteers:signup": (post(expect(302), kwargs={"pk": "vol_activity"}, counts=("volunteers.signup",)),),
    "volunteers:signup_cancel": (post(expect(302), kwargs={"pk": "vol_activity"}, counts=("volunteers.signup",)),),
    "volunteers:report": (post(expect(302), kwargs={"pk": "vol_activity"}, counts=("cases.case",)),),
    "volunteers:checkin": (get(expect(302), kwargs={"token": "vol_token"}),
                           post(expect(302), kwargs={"token": "vol_token"}, counts=("volunteers.checkin",)),
                           get(expect(400), kwargs={"token": "=forged"})),
    "volunteers:signin": (get(PUBLIC), post(expect(400), counts=("volunteers.volunteer",))),
    "volunteers:signout": (post(expect(302)),),
    "volunteers:register": (get(expect(302)), post(expect(302), counts=("volunteers.volunteer",))),
    "volunteers:me": (get(expect(302)),),
    "volunteers:certificate": (get(expect(302)),),
    "volunteers:manage": (get(expect(404, (ANON, LOGIN), (VOL_ORGANISERS, 200)),
                              absent=("=" + matrix.VOLUNTEER_PHONE,)),),
    "volunteers:organisation_new": (get(expect(404, (ANON, LOGIN), (VOL_ORGANISERS, 200))),
                                     post(expect(404, (ANON, LOGIN), (VOL_ORGANISERS, 400)),
                                          counts=("volunteers.organisation",))),
    "volunteers:project_new": (get(expect(404, (ANON, LOGIN), (VOL_ORGANISERS, 200))),
                               post(expect(404, (ANON, LOGIN), (VOL_ORGANISERS, 400)), counts=("volunteers.project",))),
    # An organisation's pages, its projects, teams and members: the organisers whose scope holds it (SEES_VOL).
    "volunteers:organisation_manage": (get(expect(404, (ANON, LOGIN), (SEES_VOL, 200)), kwargs={"pk": "vol_org"},
                                           absent=("=" + matrix.VOLUNTEER_PHONE,)),),
    "volunteers:organisation_edit": (get(expect(404, (ANON, LOGIN), (SEES_VOL, 200)), kwargs={"pk": "vol_org"}),
                                     post(expect(404, (ANON, LOGIN), (SEES_VOL, 400)), kwargs={"pk": "vol_org"},
                                          counts=("volunteers.volunteerevent",))),
    "volunteers:project_edit": (get(expect(404, (ANON, LOGIN), (SEES_VOL, 200)), kwargs={"pk": "vol_project"}),
                                post(expect(404, (ANON, LOGIN), (SEES_VOL, 400)), kwargs={"pk": "vol_project"},
                                     counts=("volunteers.volunteerevent",))),
    "volunteers:team_new": (post(expect(404, (ANON, LOGIN), (SEES_VOL, 302)), kwargs={"pk": "vol_org"},
                                 counts=("volunteers.team", "volunteers.volunteerevent")),),
    "volunteers:team_manage": (get(expect(404, (ANON, LOGIN), (SEES_VOL, 200)), kwargs={"pk": "vol_team"},
                                   absent=("=" + matrix.VOLUNTEER_PHONE,)),),
    "volunteers:team_rename": (post(expect(404, (ANON, LOGIN), (SEES_VOL, 302)), kwargs={"pk": "vol_team"},
                                    counts=("volunteers.volunteerevent",)),),
    "volunteers:membership_team": (post(expect(404, (ANON, LOGIN), (SEES_VOL, 302)),
                                        kwargs={"pk": "vol_membership"}, counts=("volunteers.volunteerevent",)),),
    "volunteers:activity_new": (get(expect(404, (ANON, LOGIN), (VOL_ORGANISERS, 200))),
                                post(expect(404, (ANON, LOGIN), (VOL_ORGANISERS, 400)),
                                     counts=("volunteers.activity",))),
    "volunteers:activity_manage": (get(expect(404, (ANON, LOGIN), (SEES_VOL, 200)), kwargs={"pk": "vol_activity"},
                                       absent=("=" + matrix.VOLUNTEER_PHONE,)),),
    "volunteers:activity_cancel": (post(expect(404, (ANON, LOGIN), (SEES_VOL, 302)), kwargs={"pk": "vol_activity"},
                                        counts=("volunteers.volunteerevent",)),),
    "volunteers:record_step": (post(expect(404, (ANON, LOGIN), (SEES_VOL, 302)),
                                    kwargs={"pk": "vol_record", "key": "=confirm"},
                                    counts=("volunteers.volunteerevent", "volunteers.hourscorrection")),),
    "volunteers:signup_hours": (post(expect(404, (ANON, LOGIN), (SEES_VOL, 302)), kwargs={"pk": "vol_signup"},
                                     counts=("volunteers.volunteerevent", "volunteers.servicerecord")),),
    "volunteers:stats": (get(expect(404, (ANON, LOGIN), (VOL_ORGANISERS, 200))),),
    "volunteers:export": (get(expect(404, (ANON, LOGIN), (VOL_ORGANISERS, 200)), kwargs={"fmt": "=csv"},
                              download=True, absent=("=" + matrix.VOLUNTEER_PHONE,)),),
    # The volunteers' REST API: the same rule and scope as the organisers' pages (anyone else signed in: 404); an empty
    # post is refused by its serializer; the public calendar names nobody.
    "api:volunteers-activities": (get(expect(404, (ANON, 401), (VOL_ORGANISERS, 200)),
                                      absent=("=" + matrix.VOLUNTEER_PHONE,)),
                                  post(expect(404, (ANON, 401), (VOL_ORGANISERS, 400)),
                                       counts=("volunteers.activity",), csrf="api")),
    "api:volunteers-activity": (get(expect(404, (ANON, 401), (SEES_VOL, 200)), kwargs={"pk": "vol_activity"},
                                    absent=("=" + matrix.VOLUNTEER_PHONE,)),),
    "api:volunteers-activity-cancel": (post(expect(404, (ANON, 401), (SEES_VOL, 400)), kwargs={"pk": "vol_activity"},
                                            counts=("volunteers.volunteerevent",), csrf="api"),),
    "api:volunteers-signups": (get(expect(404, (ANON, 401), (SEES_VOL, 200)), kwargs={"pk": "vol_activity"},
                                   absent=("=" + matrix.VOLUNTEER_PHONE,)),),
    "api:volunteers-record-step": (post(expect(404, (ANON, 401), (SEES_VOL, 400)),
                                        kwargs={"pk": "vol_record", "key": "=confirm"},
                                        counts=("volunteers.volunteerevent",), csrf="api"),),
    "api:volunteers-signup-hours": (post(expect(404, (ANON, 401), (SEES_VOL, 400)), kwargs={"pk": "vol_signup"},
                                         counts=("volunteers.volunteerevent", "volunteers.servicerecord"),
                                         csrf="api"),),
    "api:volunteers-stats": (get(expect(404, (ANON, 401), (VOL_ORGANISERS, 200))),),
    "api:volunteers-public-activities": (get(PUBLIC, absent=("=" + matrix.VOLUNTEER_NAME,
                                                             "=" + matrix.VOLUNTEER_PHONE)),),
    # -- the credit network (信用信息): office roles read published records; the department (CG) and the command
    # centre every one; the public query shows published records of legal persons only, never a natural person.
    "credit:index": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200)), absent=("=矩阵张某",),
                         absent_for=ALL - SEES_CREDIT_ALL),),
    "credit:subject": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200)), kwargs={"pk": "credit_firm"},
                           absent=("=内部记录甲",), absent_for=ALL - SEES_CREDIT_ALL),
                       get(expect(404, (ANON, LOGIN), (SEES_CREDIT_ALL, 200)), kwargs={"pk": "credit_person"})),
    "credit:repair": (get(expect(404, (ANON, LOGIN), (CREDIT_KEEPERS, 200)), kwargs={"pk": "credit_record"}),
                      post(expect(404, (ANON, LOGIN), (CREDIT_KEEPERS, 400)), kwargs={"pk": "credit_record"},
                           counts=("credit.creditevent",))),
    "credit:source": (get(expect(404, (ANON, LOGIN), (CREDIT_KEEPERS, 200)), kwargs={"code": "=mxcredit"}),),
    "credit:import": (post(expect(404, (ANON, LOGIN), (CREDIT_KEEPERS, 400)), kwargs={"code": "=mxcredit"},
                           counts=("credit.creditimport", "credit.creditrecord")),),
    "credit:joint": (get(expect(404, (ANON, LOGIN), (NOT_INSPECTORS, 200)), absent=("=自然人记录乙",),
                         absent_for=ALL - SEES_CREDIT_ALL - {"gongdian"}),),
    "credit:joint_ack": (post(expect(404, (ANON, LOGIN), ({"gongdian"}, 302)),
                              kwargs={"record": "credit_record", "measure": "credit_measure"},
                              counts=("credit.jointack",)),),
    "credit:candidates": (get(expect(404, (ANON, LOGIN), (CREDIT_KEEPERS, 200))),),
    "credit:decide": (post(expect(404, (ANON, LOGIN)), kwargs={"shop": "sf_shop"}, counts=("credit.creditrecord",)),),
    "credit:query": (get(PUBLIC), get(PUBLIC, query="q=%E7%9F%A9%E9%98%B5", absent=("=矩阵张某",))),
    "credit:query_subject": (get(PUBLIC, kwargs={"pk": "credit_firm"}, absent=("=内部记录甲",)),
                             get(expect(404), kwargs={"pk": "credit_person"})),
    "api:credit-records": (get(expect(404, (ANON, 401), (CREDIT_KEEPERS, 200))),
                           post(expect(404, (ANON, 401), (CREDIT_KEEPERS, 400)), counts=("credit.creditrecord",),
                                csrf="api")),
    "api:credit-repair": (post(expect(404, (ANON, 401), (CREDIT_KEEPERS, 400)), kwargs={"pk": "credit_record"},
                               counts=("credit.creditevent",), csrf="api"),),
    # -- the citizen's pages: the tracking code is the key ------------------------------------------------------
    "public:report": (get(PUBLIC), post(expect(400), counts=("cases.case",))),
    "public:code": (post(expect(400), counts=("public.phoneverification",)),),
    "public:track": (get(PUBLIC),),
    "public:status": (get(expect(200, ({"anon"}, 404)), kwargs={"code": "code"}, anon_kwargs={"code": "wrong_code"}),),
    "public:rate": (post(expect(400, ({"anon"}, 404)), kwargs={"code": "code"}, anon_kwargs={"code": "wrong_code"},
                         counts=("cases.followup",)),
                    # A GET (a link from a message) only goes to the status page, which checks the code itself.
                    get(expect(302), kwargs={"code": "code"}, anon_kwargs={"code": "wrong_code"})),
    "public:photo": (get(expect(200, ({"anon"}, 404)), kwargs={"code": "code", "pk": "photo"},
                         anon_kwargs={"code": "wrong_code"}),),
    "public:review": (get(expect(404, (ANON, LOGIN), (HQ, 200))),),
    "public:spam": (post(expect(404, (ANON, LOGIN), (HQ, 302)), kwargs={"pk": "case_pending"},
                         counts=("cases.caseevent",)),),
    "public:decide": (post(expect(404, (ANON, LOGIN), (HQ, 302)), kwargs={"pk": "case_closed"},
                           counts=("cases.caseevent",)),),
    # -- REST API v1 -------------------------------------------------------------------------------------------
    "api:locate": (get(expect(200, (ANON, 401)), query="lng=115.68&lat=37.73"),),
    # The API's description is public (no data in it), like Open311's discovery.
    "api:schema": (get(PUBLIC),),
    "api:docs": (get(PUBLIC),),
    "api:case-list": (get(expect(200, (ANON, 401))),
                      post(expect(403, (ANON, 401), (HQ | {"wangge", "anfang"}, 400)), counts=("cases.case",),
                           csrf="api")),
    "api:case-detail": (get(expect(404, (ANON, 401), (SEES_CASE, 200)), kwargs=CASE),
                        get(expect(404, (ANON, 401)), kwargs={"pk": "=999999999"})),
    **_api_actions(),
    # The campaign (issue 18): tasks are every staff role's to read; an empty report post is invalid for all
    # (who may report on which task is the service's rule, tested in api/tests/test_tasks_api.py).
    "api:action-list": (get(expect(200, (ANON, 401))),),
    "api:task-list": (get(expect(200, (ANON, 401))), get(expect(200, (ANON, 401)), query="status=overdue&unit=CGJ")),
    "api:task-detail": (get(expect(200, (ANON, 401)), kwargs={"pk": "task"}),
                        get(expect(404, (ANON, 401)), kwargs={"pk": "=999999999"})),
    "api:task-reports": (get(expect(200, (ANON, 401)), kwargs={"pk": "task"}),
                         post(expect(400, (ANON, 401)), kwargs={"pk": "task"}, counts=("campaign.progressreport",),
                              csrf="api")),
    "api:task-lines": (get(expect(200, (ANON, 401)), kwargs={"pk": "task"}),
                       get(expect(400, (ANON, 401)), kwargs={"pk": "task"}, query="area=NOPE")),
    "api:category-list": (get(expect(200, (ANON, 401))),),
    "api:category-detail": (get(expect(200, (ANON, 401)), kwargs={"code": "category_code"}),),
    "api:unit-list": (get(expect(200, (ANON, 401))),),
    "api:unit-detail": (get(expect(404, (ANON, 401), (HQ | CG | {"taocheng", "anfang"}, 200)),
                            kwargs={"code": "unit_code"}),),
    "api:site-list": (get(expect(200, (ANON, 401))),),
    "api:site-detail": (get(expect(404, (ANON, 401), (HQ | CG | {"taocheng", "anfang", "wangge"}, 200)),
                            kwargs={"code": "site_code"}),),
    # -- Open311: public reads of published requests only (finding 3); posts need an API key ------------------
    "open311:root": (get(expect(204)),),
    "open311:discovery": _open311("discovery", {"answers": PUBLIC}),
    "open311:services": _open311("services", {"answers": PUBLIC}),
    "open311:service": _open311("service", {"answers": PUBLIC, "kwargs": {"code": "category_code"}}),
    "open311:requests": _open311("requests", {"answers": PUBLIC, "query": SINCE, "absent": OPEN311_HIDDEN},
                                 {"answers": expect(403), "method": "POST", "counts": ("cases.case",),
                                  "csrf": "exempt"}),
    "open311:request": _open311("request", {"answers": PUBLIC, "kwargs": {"request_id": "number_closed"},
                                            "absent": OPEN311_HIDDEN},
                                {"answers": expect(404), "kwargs": {"request_id": "number_pending"}},
                                {"answers": expect(404), "kwargs": {"request_id": "number_spam"}},
                                {"answers": expect(404), "kwargs": {"request_id": "number_insp"}}),
    "open311:token": _open311("token", {"answers": PUBLIC, "kwargs": {"token": "code"}}),
    "open311:request_updates": _open311("request_updates", {"answers": PUBLIC, "query": SINCE,
                                                            "absent": OPEN311_HIDDEN}),
    # FixMyStreet's name for the updates (issue 14), and a request's photo: the board's copy, once published.
    "open311:servicerequestupdates": _open311("servicerequestupdates", {"answers": PUBLIC, "query": SINCE,
                                                                        "absent": OPEN311_HIDDEN}),
    # The showcase's after-photo is published too; the power company's case never was.
    "open311:media": (get(PUBLIC, kwargs={"pk": "before_photo"}), get(PUBLIC, kwargs={"pk": "photo"}),
                      get(expect(404), kwargs={"pk": "photo_unpublished"})),
    # -- the admin's own pages -----------------------------------------------------------------------------------
    "admin:index": (get(expect(200, (ANON, LOGIN))),),
    "admin:login": (get(expect(302, (ANON, 200))),),
    "admin:logout": (post(expect(LOGIN, (ANON, 302)), relogin=True),),
    "admin:password_change": (get(expect(200, (ANON, LOGIN))),),
    "admin:password_change_done": (get(expect(200, (ANON, LOGIN))),),
    "admin:autocomplete": (get(expect(403, (ANON, LOGIN))),),
    "admin:jsi18n": (get(expect(200, (ANON, LOGIN))),),
    # An object's public page through the content-types shortcut: only for whoever may open the object.
    "admin:view_on_site": (get(expect(404, (ANON, LOGIN)),
                               kwargs={"content_type_id": "case_ct", "object_id": "case"}),),
    "admin:app_list": (get(expect(200, (ANON, LOGIN)), kwargs={"app_label": "=org"}),),
    "admin/(?P<url>.*)$": (get(expect(404, (ANON, LOGIN)), path="/admin/no-such-page/"),),
    # Deactivating (停用) is a POST by an administrator; a GET is not allowed.
    "admin:org_person_deactivate": (
        get(expect(405, (ANON, LOGIN)), kwargs={"object_id": "person_idle"}),
        post(expect(403, (ANON, LOGIN), (STAFF - NOT_INSPECTORS, 302), (NOT_INSPECTORS - HQ - {"taocheng", "jiedao"}, 302),
                    (ADMIN, 302)), kwargs={"object_id": "person_idle"})),
    "admin:auth_user_password_change": (get(expect(403, (ANON, LOGIN), (ADMIN, 200)), kwargs={"id": "person_acted"}),),
    **ADMIN_MODELS,
}

# Case numbers of the world and who may open each case: on pages behind a login, nobody else may read them.
CASE_NUMBERS = {
    "number_closed": SEES_CASE, "number_handling": SEES_CASE, "number_insp": SEES_CASE,
    "number_power": SEES_POWER_CASE, "number_pending": SEES_UNDISPATCHED, "number_spam": SEES_UNDISPATCHED,
}
# Who reported the hotline case: its caller's name and number (whole or masked) are the command centre's only.
REPORTER = (matrix.REPORTER_NAME, matrix.REPORTER_PHONE, matrix.REPORTER_PHONE[:3] + "****" + matrix.REPORTER_PHONE[-4:])
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/atom+xml", "application/vnd.oai")


# -- running it -------------------------------------------------------------------------------------------------

def _url(name: str, row: Row, role: str, world) -> str:
    if row.path:
        url = re.sub(r"\{([^}]+)\}", lambda m: world[m[1]], row.path)
    else:
        kwargs = {**row.kwargs, **(row.anon_kwargs if role == "anon" else {})}
        values = {k: v[1:] if v.startswith("=") else world[v] for k, v in kwargs.items()}
        url = reverse(name, kwargs=values)
    return f"{url}?{row.query}" if row.query else url


def _body(response) -> str:
    # Never response.close() here: it sends request_finished, whose close_old_connections (reconnected once the
    # test client is done) closes the PostgreSQL connection in the middle of the test. The client closes a
    # response itself, a streamed one when its content has been read to the end.
    content_type = response.get("Content-Type", "")
    if not content_type.startswith(TEXT_TYPES):
        if getattr(response, "streaming", False):
            for _chunk in response.streaming_content:
                pass
        return ""
    raw = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    return raw.decode("utf-8", errors="replace")


def _answer_matches(expected, response) -> bool:
    location = response.get("Location", "")
    if expected == REFUSED:
        return response.status_code in (400, 403, 409)
    if expected == LOGIN:
        return response.status_code == 302 and location.startswith((reverse("login"), reverse("admin:login")))
    if expected == 302 and response.status_code == 302:
        return not location.startswith((reverse("login"), reverse("admin:login")))
    return response.status_code == expected


def _counts(labels) -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in labels}


def _leaks(name: str, row: Row, role: str, body: str, world) -> list[str]:
    found = []
    if role not in SEES_INSPECTORS and INSPECTOR_NAME in body:
        found.append(f"names the undercover inspector ({INSPECTOR_NAME})")
    if role not in HQ:
        found += [f"shows the reporter ({text})" for text in REPORTER if text in body]
    if row.answers.get("anon") not in (200, 204):  # behind a login: only the cases this role may open
        for key, seers in CASE_NUMBERS.items():
            if role not in seers and world[key] in body:
                found.append(f"shows case {world[key]} ({key}), which {role} cannot open")
    for key in row.absent if role in row.absent_for else ():
        text = re.sub(r"\{([^}]+)\}", lambda m: world[m[1]], key[1:]) if key.startswith("=") else world[key]
        if text in body:
            found.append(f"shows {text!r}")
    return found


TIMINGS: dict[str, float] = {}


def _address() -> str:
    n = STATS["requests"] + 1
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


def test_every_url_pattern_has_a_row_and_every_row_a_pattern():
    patterns = {p.key: p.route for p in url_patterns()}
    missing = sorted(f"{key}  ({route})" for key, route in patterns.items() if key not in TABLE)
    stale = sorted(key for key in TABLE if key not in patterns)
    assert not missing, "URL patterns without a row in TABLE (decide who may open them):\n  " + "\n  ".join(missing)
    assert not stale, "rows in TABLE for URL patterns that no longer exist:\n  " + "\n  ".join(stale)


def test_authorization_matrix(caplog):
    caplog.set_level(logging.ERROR, logger="django.request")  # thousands of expected 403/404 warnings
    started = time.perf_counter()
    world = world_build()
    patterns = {p.key for p in url_patterns()}
    clients = {role: client_for(None if role in ANON else role) for role in ROLES}
    rows = [(name, row) for name, entries in TABLE.items() if name in patterns for row in entries]
    with short_admin_lists():
        failures = _walk(rows, clients, world)
    STATS["routes"] = len({name for name, _row in rows})
    STATS["rows"] = len(rows)
    STATS["roles"] = len(ROLES)
    STATS["seconds"] += time.perf_counter() - started
    assert STATS["server_errors"] == 0 or failures
    assert not failures, f"{len(failures)} answers differ from the matrix:\n  " + "\n  ".join(failures)


def _walk(rows, clients, world) -> list[str]:
    """One request per row and role; the answers that differ from the table, and the leaks found."""
    failures: list[str] = []
    for name, row in rows:
        for role in ROLES:
            expected = row.answers[role]
            client = clients[role]
            url = _url(name, row, role, world)
            before = _counts(row.counts) if row.method == "POST" else {}
            # Each request from its own address: the public pages' per-address limits are not what is tested here.
            address = _address()
            t0 = time.perf_counter()
            if row.method == "POST":
                response = client.post(url, {}, HTTP_X_CSRFTOKEN=matrix.CSRF_SECRET, REMOTE_ADDR=address)
            else:
                response = client.get(url, REMOTE_ADDR=address)
            TIMINGS[name] = TIMINGS.get(name, 0) + time.perf_counter() - t0
            STATS["cells"] += 1
            STATS["requests"] += 1
            where = f"{row.method} {url} as {role}"
            if response.status_code >= 500:
                STATS["server_errors"] += 1
            if not _answer_matches(expected, response):
                got = f"{response.status_code} {response.get('Location', '')}".strip()
                failures.append(f"{name}: {where}: expected {expected}, got {got}")
            if row.download and response.status_code == 200 and not response.get(
                    "Content-Disposition", "").startswith("attachment"):
                failures.append(f"{name}: {where}: served inline, not as a download")
            body = _body(response)
            if response.status_code in (200, 204) and body:
                failures += [f"{name}: {where}: {leak}" for leak in _leaks(name, row, role, body, world)]
            if before and _counts(row.counts) != before:
                failures.append(f"{name}: {where}: changed {before} → {_counts(row.counts)}")
            if row.relogin:
                clients[role] = client_for(None if role in ANON else role)
        if row.method == "POST":
            failures += _csrf_probe(name, row, world)
    return failures


def _csrf_probe(name: str, row: Row, world) -> list[str]:
    """The same POST without the CSRF token, as the administrator and as nobody: refused unless exempt."""
    found = []
    for role in ("admin", "anon"):
        client = client_for("admin" if role == "admin" else None, csrf_cookie=False)
        url = _url(name, row, role, world)
        before = _counts(row.counts)
        response = client.post(url, {}, REMOTE_ADDR=_address())
        STATS["requests"] += 1
        if response.status_code >= 500:
            STATS["server_errors"] += 1
        # DRF checks the token only for a logged-in session; Open311 posts carry an API key instead.
        exempt = row.csrf == "exempt" or (row.csrf == "api" and role == "anon")
        expected = row.answers[role] if exempt else 403
        if expected == 403 and response.status_code == 403:
            STATS["csrf_refusals"] += 1
        if not _answer_matches(expected, response):
            found.append(f"{name}: POST {url} as {role} without a CSRF token: expected {expected}, "
                         f"got {response.status_code}")
        if _counts(row.counts) != before:
            found.append(f"{name}: POST {url} as {role} without a CSRF token changed {row.counts}")
        _body(response)
    return found


def test_the_table_names_only_known_roles_and_answers():
    allowed = {200, 204, 302, 400, 401, 403, 404, 405, LOGIN, REFUSED}
    for name, entries in TABLE.items():
        for row in entries:
            assert set(row.answers) == ALL, name
            assert set(row.answers.values()) <= allowed, name
            assert re.fullmatch(r"GET|POST", row.method), name
