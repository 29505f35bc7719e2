"""The one role vocabulary: the ``Role`` enum and the named groups of roles every rule is written with.

It lives in ``common`` (the bottom layer) so the access table, the workflows of every app and the templates read
the same names; ``org.models.RoleAssignment`` stores these values. No module writes a role as a string literal
or builds its own set of them: add a named group here instead.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    INTAKE = "intake", _("Intake operator (受理员)")
    SHIFT_LEADER = "shift_leader", _("Shift leader (值班长)")
    DISPATCHER = "dispatcher", _("Dispatcher (派遣员)")
    UNIT_HANDLER = "unit_handler", _("Unit handler")
    UNIT_LEADER = "unit_leader", _("Unit leader")
    AREA_LEADER = "area_leader", _("Area leader")
    GRID_WORKER = "grid_worker", _("Grid worker (网格员)")
    INSPECTOR = "inspector", _("Inspector (暗访员)")
    ADMIN = "admin", _("Administrator")
    # 测评办: keeps the evaluation framework (测评体系) and who answers for each criterion.
    EVAL_OFFICE = "eval_office", _("Evaluation office (测评办)")


def roles(*members: Role) -> frozenset[str]:
    """A group of roles as plain strings (what ``Scope.roles`` holds), so ``&`` and ``in`` need no enum lookups."""
    return frozenset(str(m.value) for m in members)


ALL_ROLES = roles(*Role)
# The command centre (指挥中心): takes cases in, registers, dispatches, decides, closes. Without the administrator.
COMMAND = roles(Role.INTAKE, Role.SHIFT_LEADER, Role.DISPATCHER)
# The command centre and the administrator: who manages city-wide records and sees what names inspectors.
COMMAND_OR_ADMIN = COMMAND | roles(Role.ADMIN)
ADMIN_ONLY = roles(Role.ADMIN)
# Roles whose scope is a unit; every other role is scoped to an area.
UNIT_ROLES = roles(Role.UNIT_HANDLER, Role.UNIT_LEADER)
# Field reporters outside the command centre.
FIELD_REPORTERS = roles(Role.GRID_WORKER, Role.INSPECTOR)
# Every staff role but the undercover inspectors and the grid workers: scores, people lists, meetings.
NOT_FIELD = ALL_ROLES - FIELD_REPORTERS
# Who answers the hotline (创城热线): the operators at the phone; the dispatcher does not take calls.
HOTLINE_OPERATORS = roles(Role.INTAKE, Role.SHIFT_LEADER)
# Who publishes to the units and the public and approves what is published (score snapshots, red/black lists,
# the exposure board): the shift leader and the administrator.
PUBLISHERS = roles(Role.SHIFT_LEADER, Role.ADMIN)
# -- the case workflow's groups (wenming.cases.services.actions: who may take which case action) -----------------
# Dispatch (派遣) and close (结案): the dispatchers and their shift leader.
DISPATCHERS = roles(Role.SHIFT_LEADER, Role.DISPATCHER)
# The command centre's decisions: void, returns, extension and shelving requests, resume, reopen, follow-ups.
SHIFT_LEADERS = roles(Role.SHIFT_LEADER)
# Who checks a rectification on site (核查): intake, the shift leader and the undercover inspectors.
VERIFIERS = roles(Role.INTAKE, Role.SHIFT_LEADER, Role.INSPECTOR)
# Who issues and closes a supervision notice (督办单): the command centre's leaders and the area leaders.
NOTICE_ISSUERS = roles(Role.SHIFT_LEADER, Role.DISPATCHER, Role.AREA_LEADER)
# Told of a late case beyond its unit (a red card, or no unit yet): the area leaders and the shift leaders.
LATE_CASE_WATCHERS = roles(Role.AREA_LEADER, Role.SHIFT_LEADER)
# Who follows up the open supervision notices (督办单 list): the command centre and the area leaders.
NOTICE_FOLLOWERS = COMMAND | roles(Role.AREA_LEADER)
# -- the evaluation app's groups (wenming.evaluation) ---------------------------------------------------------
# Who imports editions of the framework and sets who answers for each criterion: the evaluation office and the
# administrator. The evaluation office also sees every criterion whatever its own scope (access.Rule.sees_all).
FRAMEWORK_KEEPERS = roles(Role.EVAL_OFFICE, Role.ADMIN)
# -- the risk watch (wenming.evaluation: 负面清单 风险管控) ---------------------------------------------------------
# Who sees every risk record and acts on them from above (督办, raise or lower a level, close, reopen; report an
# incident on any criterion): the shift leaders and the evaluation office. The rest of the command centre reads
# every record too (RISK_READERS); a unit sees and acts on the records of the criteria it leads or shares.
RISK_OFFICE = roles(Role.SHIFT_LEADER, Role.EVAL_OFFICE)
RISK_READERS = COMMAND | roles(Role.EVAL_OFFICE, Role.ADMIN)
# Told at once when an item reaches 触发 (beside the lead unit's leaders): the commander on duty and the office.
RISK_COMMANDERS = roles(Role.SHIFT_LEADER, Role.EVAL_OFFICE)
# Who reports an incident (serious incident, discipline case, media report) on any criterion: the command centre
# and the evaluation office; a unit reports on the criteria it leads or shares.
INCIDENT_REPORTERS = COMMAND | roles(Role.EVAL_OFFICE)
UNIT_LEADERS = roles(Role.UNIT_LEADER)
# Who creates campaign tasks outside a meeting (``campaign.services.tasks.task_create``): the command centre and
# administrators, and the evaluation office, whose 回头看 rounds turn each criterion not met into a dated measure.
TASK_CREATORS = COMMAND_OR_ADMIN | roles(Role.EVAL_OFFICE)
# -- the inspections app's groups (wenming.inspections) --------------------------------------------------------
# Who plans the third-party 暗访 rounds, sees them before their findings are released, releases them and follows
# them up: the command centre, the evaluation office and the administrator. Nobody else learns of a round first.
INSPECTION_PLANNERS = COMMAND | roles(Role.EVAL_OFFICE, Role.ADMIN)
# Who reviews the units' online materials (网报材料), sets their submission window and requirements and downloads
# the submission package: the evaluation office and the administrator (wenming.evaluation.services.materials).
MATERIAL_REVIEWERS = roles(Role.EVAL_OFFICE, Role.ADMIN)
# Whose home page shows the edition's readiness (迎检准备) at a glance: the evaluation office, the commander on duty
# and the administrator.
READINESS_WATCHERS = roles(Role.EVAL_OFFICE, Role.SHIFT_LEADER, Role.ADMIN)
# -- storefront checks (门前五包, wenming.inspections storefront_*) ---------------------------------------------------
# Who checks a shop's five duties, serves its notice (告知书) and re-checks it: the supervising unit's staff (a street
# office's handlers and leaders, scoped to the shops it supervises), the grid workers of the shop's area and the
# command centre. Area leaders read (STOREFRONT_READERS) but do not check.
STOREFRONT_CHECKERS = COMMAND | UNIT_ROLES | roles(Role.GRID_WORKER)
# Who reads the checks, notices and repeat counts: every office role in scope, and the grid workers who check.
STOREFRONT_READERS = NOT_FIELD | roles(Role.GRID_WORKER)
# -- the police registers (wenming.registries: 电动自行车备案, 养犬登记) -------------------------------------------------
# Who may read a register's records and import its exports: the owning department's people (unit roles, scoped to
# the owning unit in access.RULES) and the administrator. Everyone else reads the per-area figures only.
REGISTER_KEEPERS = UNIT_ROLES | ADMIN_ONLY
# -- selections (wenming.selections: 评选) ---------------------------------------------------------------------------
# Who runs the selection calls (评选活动): creates and edits them, assigns the expert panel, runs the qualification
# check, overrides a hold, confirms the winners, decides objections, publishes and withdraws titles: the command
# centre (创城指挥部) and the administrator. They see every nomination whatever their scope.
SELECTION_ORGANISERS = COMMAND_OR_ADMIN
# Who nominates from the staff side: a unit's staff (for the unit) and the area roles of a community (for the
# community; the service checks that their area is a community).
SELECTION_NOMINATORS = UNIT_ROLES | roles(Role.AREA_LEADER, Role.GRID_WORKER)
# -- the public vote of selections (wenming.selections: 评选公众投票) ------------------------------------------------
# Who reviews the votes set apart as possibly bought (bursts, rings) and clears or voids them: the command centre and
# the administrator, who organise the city's selections.
VOTE_REVIEWERS = SELECTION_ORGANISERS
# -- the window service (wenming.windows: 窗口文明服务) -------------------------------------------------------------
# Who keeps a window's records (matters, staff and certificates, commitments) and answers its bad ratings: the
# window's unit (unit roles, scoped to the windows of their unit in access.RULES), the command centre and the
# administrator. Area leaders read their area's windows.
WINDOW_KEEPERS = UNIT_ROLES | COMMAND_OR_ADMIN
# Who computes a competition period's ranking (drafts it); PUBLISHERS approve it (never its drafter) and publish it.
WINDOW_RANKERS = roles(Role.SHIFT_LEADER, Role.DISPATCHER, Role.ADMIN)
# -- volunteer service (wenming.volunteers: 志愿服务) ---------------------------------------------------------------
# Who runs volunteer organisations and activities and confirms or corrects service hours: the organising unit's
# staff (scoped to it), the area leaders of the activity's area, the command centre and the administrator.
VOLUNTEER_ORGANISERS = COMMAND_OR_ADMIN | UNIT_ROLES | roles(Role.AREA_LEADER)
# -- the credit network (wenming.credit: 信用信息"一张网") ---------------------------------------------------------------
# Who manages a credit source's records (imports, pushes, repairs, decides on 信用提示 candidates): the owning
# department's people (unit roles, scoped to the owning unit in access.RULES) and the administrator.
CREDIT_KEEPERS = UNIT_ROLES | ADMIN_ONLY
# Who reads the network's published records and subject pages inside the platform: every office role.
CREDIT_READERS = NOT_FIELD
# Who sees every record (published or not) and every department's joint-discipline list: the command centre and
# the administrator. Each look at non-public data is logged (credit.CreditQueryLog).
CREDIT_OFFICE = COMMAND_OR_ADMIN
