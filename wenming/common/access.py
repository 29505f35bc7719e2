"""The one access-control path: what a person may see and change.

Every list, page, export, admin screen and API view gets its rows through ``restrict(queryset, user,
action)``. A row outside the person's scope is treated as missing (404), never as forbidden, so scope
does not leak existence. Model rules live in ``RULES`` below, next to each other, so they can be read
and tested as one table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from wenming.common.roles import (
    ADMIN_ONLY,
    ALL_ROLES,
    COMMAND_OR_ADMIN,
    CREDIT_KEEPERS,
    CREDIT_OFFICE,
    CREDIT_READERS,
    FRAMEWORK_KEEPERS,
    INSPECTION_PLANNERS,
    MATERIAL_REVIEWERS,
    NOT_FIELD,
    REGISTER_KEEPERS,
    RISK_READERS,
    SELECTION_ORGANISERS,
    STOREFRONT_READERS,
    VOLUNTEER_ORGANISERS,
    VOTE_REVIEWERS,
    Role,
    roles,
)

VIEW = "view"
CHANGE = "change"
# Deleting is a right of its own: administrators only (``Rule.delete_roles``), and nobody for evented records.
DELETE = "delete"


@dataclass(frozen=True)
class Scope:
    """What a person's role assignments add up to."""

    roles: frozenset[str] = frozenset()
    everything: bool = False
    area_paths: tuple[str, ...] = ()
    unit_paths: tuple[str, ...] = ()
    # Areas governed by the person's units (a street office's street, a district branch's district): the
    # geography there (areas, responsibility grids) is theirs to see. Rows tied to other units there (their
    # sites, facilities, people) and cases not dispatched to them are not: that takes an area role.
    jurisdiction_paths: tuple[str, ...] = ()

    @property
    def is_staff(self) -> bool:
        return self.everything or bool(self.roles)


@dataclass(frozen=True)
class RowLimit:
    """Rows of a model that only some roles see, whatever their scope: an inspectors' ranking names undercover
    inspectors, so it is the command centre's even though other rankings are every staff role's."""

    rows: Q
    roles: frozenset[str]


@dataclass(frozen=True)
class Rule:
    """How one model is scoped: which roles see it at all, and the lookups to an area path and a unit path."""

    view_roles: frozenset[str] = ALL_ROLES
    change_roles: frozenset[str] = ADMIN_ONLY
    delete_roles: frozenset[str] = ADMIN_ONLY
    area_lookups: tuple[str, ...] = ()
    unit_lookups: tuple[str, ...] = ()
    # Reference data (categories, site types…) is visible to every role in full.
    reference: bool = False
    # Whether a unit's jurisdiction counts as area scope for this model (geography only).
    jurisdiction: bool = False
    distinct: bool = False
    # Rows left out for anyone holding none of a limit's roles (applied before scope, reference data included).
    limits: tuple[RowLimit, ...] = ()
    # Lookups to the person who reported the row: they see (VIEW) what they reported even outside their scope (a grid
    # worker's report from beyond her grid, to follow it in 我的上报). Seeing only: a workflow's lock
    # (``locked_in_scope``) and any change still take the scope.
    reporter_lookups: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)
    # Roles that see every row of the model whatever their scope: the evaluation office reads the whole framework
    # and its responsibility matrix, though its own scope is its unit.
    sees_all: frozenset[str] = frozenset()


RULES: dict[str, Rule] = {
    "org.area": Rule(area_lookups=("path",), jurisdiction=True),
    "org.responsibilitygrid": Rule(area_lookups=("community__path",), jurisdiction=True),
    "org.unit": Rule(area_lookups=("area__path",), unit_lookups=("path",)),
    "org.person": Rule(
        view_roles=NOT_FIELD,
        area_lookups=("roles__area__path", "unit__area__path"),
        unit_lookups=("unit__path",),
        distinct=True,
    ),
    "org.roleassignment": Rule(
        view_roles=NOT_FIELD, area_lookups=("area__path", "unit__area__path"), unit_lookups=("unit__path",)
    ),
    # A unit sees the sites it answers for (包保) and the facilities it runs (运营单位).
    "org.site": Rule(area_lookups=("area__path",), unit_lookups=("guarantor_unit__path", "operator_unit__path")),
    "org.sitetype": Rule(reference=True),
    "org.roadsegment": Rule(area_lookups=("area__path",), unit_lookups=("chiefs__unit__path",), distinct=True),
    "org.roadchief": Rule(area_lookups=("segment__area__path",), unit_lookups=("unit__path",)),
    # A storefront or a facility without an area of its own lies where its unit governs: the street office
    # that supervises the shop, the district branch that owns the manhole cover (for area roles).
    "org.storefrontduty": Rule(
        area_lookups=("area__path", "supervising_unit__area__path"), unit_lookups=("supervising_unit__path",)
    ),
    "cases.facility": Rule(
        area_lookups=("area__path", "owner_unit__area__path", "maintainer_unit__area__path"),
        unit_lookups=("owner_unit__path", "maintainer_unit__path"),
    ),
    "cases.case": Rule(area_lookups=("area_path",), unit_lookups=("unit__path",), reporter_lookups=("reported_by",)),
    "cases.caseevent": Rule(area_lookups=("case__area_path",), unit_lookups=("case__unit__path",),
                            reporter_lookups=("case__reported_by",)),
    "cases.evidence": Rule(area_lookups=("case__area_path",), unit_lookups=("case__unit__path",),
                           reporter_lookups=("case__reported_by",)),
    "cases.followup": Rule(area_lookups=("case__area_path",), unit_lookups=("case__unit__path",)),
    # Public intake: phone codes are nobody's to read; the public-report marks (network hash, verified phone)
    # are the command centre's, for moderation.
    "public.phoneverification": Rule(reference=True, view_roles=ADMIN_ONLY),
    "public.publicreport": Rule(view_roles=COMMAND_OR_ADMIN, area_lookups=("case__area_path",)),
    "cases.supervisionnotice": Rule(area_lookups=("case__area_path",), unit_lookups=("unit__path",)),
    "cases.escalationpolicy": Rule(reference=True),
    "cases.category": Rule(reference=True),
    "cases.timelimit": Rule(reference=True),
    "cases.routingrule": Rule(reference=True, view_roles=ALL_ROLES - roles(Role.INSPECTOR)),
    # Outbound integrations hold signing secrets: administrators only.
    "cases.webhook": Rule(reference=True, view_roles=ADMIN_ONLY),
    "cases.webhookdelivery": Rule(reference=True, view_roles=ADMIN_ONLY),
    # Bulk imports are the command centre's; their logs name files and row numbers, no personal data.
    "cases.caseimportmapping": Rule(reference=True, view_roles=COMMAND_OR_ADMIN),
    "cases.caseimport": Rule(reference=True, view_roles=COMMAND_OR_ADMIN),
    "campaign.campaign": Rule(reference=True),
    "campaign.action": Rule(reference=True),
    # Campaign tasks and task forces are visible to all staff; admin and the command centre manage them. A unit
    # reports progress only on tasks it leads or cooperates on (checked in campaign.services.tasks).
    "campaign.taskforce": Rule(reference=True, change_roles=COMMAND_OR_ADMIN),
    "campaign.task": Rule(reference=True, change_roles=COMMAND_OR_ADMIN),
    "campaign.milestone": Rule(reference=True, change_roles=COMMAND_OR_ADMIN),
    "campaign.progressreport": Rule(reference=True, change_roles=COMMAND_OR_ADMIN),
    "campaign.progressevidence": Rule(reference=True, change_roles=COMMAND_OR_ADMIN),
    "campaign.taskevent": Rule(reference=True, change_roles=frozenset()),
    # A task's target list: the owner unit sees its own lines, the task's lead unit (its task force) all of them,
    # area roles the lines in their area; the workflow's roles are checked in campaign.services.target_lines.
    "campaign.targetline": Rule(area_lookups=("area_path",), unit_lookups=("owner_unit__path", "task__lead_unit__path")),
    "campaign.targetevidence": Rule(area_lookups=("line__area_path",),
                                    unit_lookups=("line__owner_unit__path", "line__task__lead_unit__path")),
    "campaign.meeting": Rule(reference=True, view_roles=NOT_FIELD, change_roles=COMMAND_OR_ADMIN),
    "common.calendarday": Rule(reference=True),
    # API keys for other systems (REST and Open311): administrators only. What an Open311 post carried beyond the
    # case (media link, the reporter's email) follows the case.
    "api.apikey": Rule(reference=True, view_roles=ADMIN_ONLY),
    "api.open311report": Rule(view_roles=COMMAND_OR_ADMIN, area_lookups=("case__area_path",)),
    "common.auditevent": Rule(view_roles=ADMIN_ONLY, reference=True),
    # Scores and rankings are the city's, read by every staff role but inspectors and grid workers. The ranking of
    # inspectors and grid workers (subject "inspector") names them beside the cases they reported and verified:
    # the command centre's and administrators' only, its corrections and lists with it.
    "scoring.indexversion": Rule(reference=True, view_roles=NOT_FIELD),
    "scoring.scoresnapshot": Rule(reference=True, view_roles=NOT_FIELD,
                                  limits=(RowLimit(Q(subject="inspector"), COMMAND_OR_ADMIN),)),
    "scoring.scorecorrection": Rule(reference=True, view_roles=NOT_FIELD,
                                    limits=(RowLimit(Q(snapshot__subject="inspector"), COMMAND_OR_ADMIN),)),
    "scoring.redblacklist": Rule(reference=True, view_roles=NOT_FIELD,
                                 limits=(RowLimit(Q(snapshot__subject="inspector"), COMMAND_OR_ADMIN),)),
    "scoring.accountabilityrecord": Rule(
        view_roles=NOT_FIELD, area_lookups=("unit__area__path",), unit_lookups=("unit__path",)
    ),
    "scoring.accountabilityfollowup": Rule(
        view_roles=NOT_FIELD, area_lookups=("record__unit__area__path",), unit_lookups=("record__unit__path",)
    ),
    # Dashboard aggregates are read through the panels (scoped there), never listed directly.
    "scoring.dailyeventcount": Rule(view_roles=ADMIN_ONLY, reference=True),
    "scoring.dailyeventcountday": Rule(view_roles=ADMIN_ONLY, reference=True),
    # The evaluation framework (测评体系): editions and their upper levels are reference data for office staff; a
    # criterion (and its clauses and history) is seen by the units that lead it or share it, the areas those
    # units lie in, and the evaluation office, which keeps the framework and the responsibility matrix.
    "evaluation.edition": Rule(reference=True, view_roles=NOT_FIELD, change_roles=FRAMEWORK_KEEPERS),
    "evaluation.domain": Rule(reference=True, view_roles=NOT_FIELD, change_roles=FRAMEWORK_KEEPERS),
    "evaluation.indicator": Rule(reference=True, view_roles=NOT_FIELD, change_roles=FRAMEWORK_KEEPERS),
    "evaluation.criterion": Rule(
        view_roles=NOT_FIELD, change_roles=FRAMEWORK_KEEPERS, sees_all=FRAMEWORK_KEEPERS, distinct=True,
        area_lookups=("lead_unit__area__path", "responsible_units__area__path"),
        unit_lookups=("lead_unit__path", "responsible_units__path"),
    ),
    "evaluation.clause": Rule(
        view_roles=NOT_FIELD, change_roles=FRAMEWORK_KEEPERS, sees_all=FRAMEWORK_KEEPERS, distinct=True,
        area_lookups=("criterion__lead_unit__area__path", "criterion__responsible_units__area__path"),
        unit_lookups=("criterion__lead_unit__path", "criterion__responsible_units__path"),
    ),
    "evaluation.criterionevent": Rule(
        view_roles=NOT_FIELD, change_roles=frozenset(), sees_all=FRAMEWORK_KEEPERS, distinct=True,
        area_lookups=("criterion__lead_unit__area__path", "criterion__responsible_units__area__path"),
        unit_lookups=("criterion__lead_unit__path", "criterion__responsible_units__path"),
    ),
    # The risk watch (负面清单 风险管控): plans, records, signals and events follow their criterion (a unit sees those
    # of the criteria it leads or shares, the areas those units lie in see them too); the command centre and the
    # evaluation office see them all. Changed only through the risk services (never in the admin screens).
    **{label: Rule(
        view_roles=NOT_FIELD, change_roles=frozenset(), delete_roles=frozenset(), sees_all=RISK_READERS,
        distinct=True,
        area_lookups=(f"{prefix}criterion__lead_unit__area__path", f"{prefix}criterion__responsible_units__area__path"),
        unit_lookups=(f"{prefix}criterion__lead_unit__path", f"{prefix}criterion__responsible_units__path"),
    ) for label, prefix in (("evaluation.riskplan", ""), ("evaluation.riskplanrevision", "plan__"),
                            ("evaluation.riskplanattachment", "plan__"), ("evaluation.riskrecord", ""),
                            ("evaluation.risksignal", ""), ("evaluation.riskevent", "record__"),
                            ("evaluation.riskevidence", "record__"))},
    "evaluation.riskscanmark": Rule(reference=True, view_roles=ADMIN_ONLY, change_roles=frozenset()),
    # The ledger (台账) and the 回头看 rounds: periods and rounds are reference data for office staff; an entry, its
    # evidence and history, and a round's items follow their criterion (a unit sees those of its own criteria).
    # The evaluation office writes them (services.ledger); nobody edits or deletes them on the admin screens.
    "evaluation.assessmentperiod": Rule(reference=True, view_roles=NOT_FIELD, change_roles=FRAMEWORK_KEEPERS),
    "evaluation.ledgerentry": Rule(
        view_roles=NOT_FIELD, change_roles=FRAMEWORK_KEEPERS, sees_all=FRAMEWORK_KEEPERS, distinct=True,
        area_lookups=("criterion__lead_unit__area__path", "criterion__responsible_units__area__path"),
        unit_lookups=("criterion__lead_unit__path", "criterion__responsible_units__path"),
    ),
    "evaluation.ledgerevidence": Rule(
        view_roles=NOT_FIELD, change_roles=frozenset(), delete_roles=frozenset(), sees_all=FRAMEWORK_KEEPERS,
        distinct=True,
        area_lookups=("entry__criterion__lead_unit__area__path", "entry__criterion__responsible_units__area__path"),
        unit_lookups=("entry__criterion__lead_unit__path", "entry__criterion__responsible_units__path"),
    ),
    "evaluation.ledgerevent": Rule(
        view_roles=NOT_FIELD, change_roles=frozenset(), delete_roles=frozenset(), sees_all=FRAMEWORK_KEEPERS,
        distinct=True,
        area_lookups=("criterion__lead_unit__area__path", "criterion__responsible_units__area__path"),
        unit_lookups=("criterion__lead_unit__path", "criterion__responsible_units__path"),
    ),
    "evaluation.reviewround": Rule(reference=True, view_roles=NOT_FIELD, change_roles=FRAMEWORK_KEEPERS),
    "evaluation.reviewitem": Rule(
        view_roles=NOT_FIELD, change_roles=FRAMEWORK_KEEPERS, sees_all=FRAMEWORK_KEEPERS, distinct=True,
        area_lookups=("criterion__lead_unit__area__path", "criterion__responsible_units__area__path"),
        unit_lookups=("criterion__lead_unit__path", "criterion__responsible_units__path"),
    ),
    "evaluation.reviewevent": Rule(reference=True, view_roles=FRAMEWORK_KEEPERS, change_roles=frozenset(),
                                   delete_roles=frozenset()),
    # Inspections (暗访): schemes are the planners' and the inspectors' checklists. A round is unannounced: while it
    # is planned only its planners see it (the row limit); once its findings are released every office role reads
    # it and its tables, as it reads scores. Assignments and results name the inspectors: the planners' and the
    # inspector's own (``reporter_lookups``: the assignee, who recorded; an inspector's pages also filter on themselves).
    "inspections.scheme": Rule(reference=True, view_roles=INSPECTION_PLANNERS | roles(Role.INSPECTOR),
                               change_roles=INSPECTION_PLANNERS),
    "inspections.schemeitem": Rule(reference=True, view_roles=INSPECTION_PLANNERS | roles(Role.INSPECTOR),
                                   change_roles=INSPECTION_PLANNERS),
    "inspections.round": Rule(reference=True, view_roles=NOT_FIELD, change_roles=INSPECTION_PLANNERS,
                              limits=(RowLimit(Q(state="planned"), INSPECTION_PLANNERS),)),
    "inspections.roundevent": Rule(reference=True, view_roles=INSPECTION_PLANNERS, change_roles=frozenset()),
    "inspections.assignment": Rule(view_roles=INSPECTION_PLANNERS | roles(Role.INSPECTOR),
                                   change_roles=INSPECTION_PLANNERS, sees_all=INSPECTION_PLANNERS,
                                   reporter_lookups=("assignee",)),
    "inspections.result": Rule(view_roles=INSPECTION_PLANNERS | roles(Role.INSPECTOR), change_roles=frozenset(),
                               sees_all=INSPECTION_PLANNERS, reporter_lookups=("recorded_by",)),
    # Storefront checks (门前五包): checks, their items, notices and the log follow their shop (its area; the area of
    # its supervising unit; the supervising unit itself). Written only through inspections.services.storefront.
    **{label: Rule(
        view_roles=STOREFRONT_READERS, change_roles=frozenset(), delete_roles=frozenset(),
        area_lookups=(f"{prefix}shop__area__path", f"{prefix}shop__supervising_unit__area__path"),
        unit_lookups=(f"{prefix}shop__supervising_unit__path",),
    ) for label, prefix in (("inspections.storefrontcheck", ""), ("inspections.storefrontcheckitem", "check_row__"),
                            ("inspections.storefrontnotice", ""), ("inspections.storefrontevent", ""))},
    # Road chiefs' patrols (路长巡查): the chief acts on their own patrols through the services (which take the
    # person's own rows, not this table: a chief need hold no role); supervisors read them in their scope: a district
    # the patrols of its roads, a unit those of its chiefs, the command centre every one. Changed by services only.
    "inspections.patrolrule": Rule(reference=True),
    "inspections.patrol": Rule(view_roles=NOT_FIELD, change_roles=frozenset(), delete_roles=frozenset(),
                               area_lookups=("segment__area__path",), unit_lookups=("chief__unit__path",)),
    "inspections.patrolcheckin": Rule(view_roles=NOT_FIELD, change_roles=frozenset(), delete_roles=frozenset(),
                                      area_lookups=("patrol__segment__area__path",),
                                      unit_lookups=("patrol__chief__unit__path",)),
    "inspections.patrolfinding": Rule(view_roles=NOT_FIELD, change_roles=frozenset(), delete_roles=frozenset(),
                                      area_lookups=("patrol__segment__area__path",),
                                      unit_lookups=("patrol__chief__unit__path",)),
    "inspections.patrolevent": Rule(view_roles=NOT_FIELD, change_roles=frozenset(), delete_roles=frozenset(),
                                    area_lookups=("patrol__segment__area__path",),
                                    unit_lookups=("patrol__chief__unit__path",)),
    # The online materials (网报材料): a unit sees the requirements it leads or shares (and their submissions,
    # files and history), an area the requirements of its units, the evaluation office every one. Units change
    # them only through the review workflow's services (evaluation.services.materials).
    "evaluation.submissionwindow": Rule(reference=True, view_roles=NOT_FIELD, change_roles=MATERIAL_REVIEWERS),
    "evaluation.materialrequirement": Rule(
        view_roles=NOT_FIELD, change_roles=MATERIAL_REVIEWERS, sees_all=MATERIAL_REVIEWERS, distinct=True,
        area_lookups=("lead_unit__area__path", "responsible_units__area__path"),
        unit_lookups=("lead_unit__path", "responsible_units__path"),
    ),
    "evaluation.materialsubmission": Rule(
        view_roles=NOT_FIELD, change_roles=MATERIAL_REVIEWERS, sees_all=MATERIAL_REVIEWERS, distinct=True,
        area_lookups=("requirement__lead_unit__area__path", "requirement__responsible_units__area__path"),
        unit_lookups=("requirement__lead_unit__path", "requirement__responsible_units__path"),
    ),
    "evaluation.materialfile": Rule(
        view_roles=NOT_FIELD, change_roles=frozenset(), sees_all=MATERIAL_REVIEWERS, distinct=True,
        area_lookups=("submission__requirement__lead_unit__area__path",
                      "submission__requirement__responsible_units__area__path"),
        unit_lookups=("submission__requirement__lead_unit__path",
                      "submission__requirement__responsible_units__path"),
    ),
    "evaluation.materialevent": Rule(
        view_roles=NOT_FIELD, change_roles=frozenset(), sees_all=MATERIAL_REVIEWERS, distinct=True,
        area_lookups=("requirement__lead_unit__area__path", "requirement__responsible_units__area__path"),
        unit_lookups=("requirement__lead_unit__path", "requirement__responsible_units__path"),
    ),
    # The police registers (电动自行车备案, 养犬登记): the registers and their per-area figures are read by every office
    # role; the records (numbers and their communities) and the import logs only by the owning department (a unit
    # role in the owning unit or a unit above it) and administrators; no area role reaches them. A check made from a
    # case (status only) follows its case. Written only through wenming.registries.services.
    "registries.registry": Rule(reference=True, view_roles=NOT_FIELD, delete_roles=frozenset()),
    "registries.registryfigure": Rule(reference=True, view_roles=NOT_FIELD, change_roles=frozenset()),
    "registries.registryrecord": Rule(view_roles=REGISTER_KEEPERS, change_roles=frozenset(),
                                      unit_lookups=("registry__owner_unit__path",)),
    "registries.registryimport": Rule(view_roles=REGISTER_KEEPERS, change_roles=frozenset(),
                                      delete_roles=frozenset(), unit_lookups=("registry__owner_unit__path",)),
    "registries.registrycheck": Rule(change_roles=frozenset(), delete_roles=frozenset(),
                                     area_lookups=("case__area_path",), unit_lookups=("case__unit__path",)),
    # Selections (评选): kinds, calls, quotas and scoring sheets are every staff role's to read, the organisers' to
    # change. A nomination (its photos, log, qualification results and objections) is seen by the organisers, the
    # area it lies in, the nominating unit and the nominee unit, the person who nominated it and the call's experts
    # (``reporter_lookups``: seeing only). Experts' declarations and scores: the organisers only
    # Written only through wenming.selections.services.
    "selections.selectionkind": Rule(reference=True, change_roles=SELECTION_ORGANISERS, delete_roles=frozenset()),
    "selections.call": Rule(reference=True, change_roles=SELECTION_ORGANISERS, delete_roles=frozenset()),
    "selections.callquota": Rule(reference=True, change_roles=SELECTION_ORGANISERS),
    "selections.scoreitem": Rule(reference=True, change_roles=SELECTION_ORGANISERS),
    "selections.callevent": Rule(reference=True, view_roles=SELECTION_ORGANISERS, change_roles=frozenset(),
                                 delete_roles=frozenset()),
    "selections.panelmember": Rule(view_roles=ALL_ROLES, change_roles=SELECTION_ORGANISERS,
                                   sees_all=SELECTION_ORGANISERS, reporter_lookups=("user",)),
    **{label: Rule(
        view_roles=ALL_ROLES, change_roles=frozenset(), delete_roles=frozenset(), sees_all=SELECTION_ORGANISERS,
        distinct=True, area_lookups=(f"{prefix}area__path",),
        unit_lookups=(f"{prefix}nominator_unit__path", f"{prefix}unit__path"),
        reporter_lookups=(f"{prefix}nominated_by", f"{prefix}call__panel__user"),
    ) for label, prefix in (("selections.nomination", ""), ("selections.nominationphoto", "nomination__"),
                            ("selections.nominationevent", "nomination__"),
                            ("selections.qualificationresult", "nomination__"),
                            ("selections.objection", "nomination__"))},
    # (an expert reads their own through the panel's selectors, filtered on themselves: never another's).
    **{label: Rule(reference=True, view_roles=SELECTION_ORGANISERS, change_roles=frozenset(),
                   delete_roles=frozenset())
       for label in ("selections.conflictdeclaration", "selections.expertscore")},
    # The public vote of selections (评选公众投票): votes hold only keyed hashes, yet their patterns are the
    # reviewers' (the city-wide command centre and administrators) alone; written only through
    # wenming.selections.services.votes (never on the admin screens). The public reads the tally, not the rows.
    "selections.vote": Rule(reference=True, view_roles=VOTE_REVIEWERS, change_roles=frozenset(),
                            delete_roles=frozenset()),
    "selections.voteflag": Rule(reference=True, view_roles=VOTE_REVIEWERS, change_roles=frozenset(),
                                delete_roles=frozenset()),
    "selections.voteevent": Rule(reference=True, view_roles=VOTE_REVIEWERS, change_roles=frozenset(),
                                 delete_roles=frozenset()),
    # The window service (窗口文明服务): a window and everything of it (commitments, staff, matters, ratings,
    # complaints, its log) is seen by its unit, the area its site lies in and the city-wide roles; business items and
    # the competition (periods, scores, their log) are the office's reference data, like the other rankings. Written
    # only through wenming.windows.services.
    "windows.servicewindow": Rule(view_roles=NOT_FIELD, area_lookups=("site__area__path",),
                                  unit_lookups=("unit__path",)),
    **{label: Rule(view_roles=NOT_FIELD, change_roles=frozenset(), delete_roles=frozenset(),
                   area_lookups=("window__site__area__path",), unit_lookups=("window__unit__path",))
       for label in ("windows.windowcommitment", "windows.windowstaff", "windows.matter", "windows.windowrating",
                     "windows.windowcomplaint", "windows.windowevent")},
    "windows.businessitem": Rule(reference=True, view_roles=NOT_FIELD),
    "windows.competitionperiod": Rule(reference=True, view_roles=NOT_FIELD, change_roles=frozenset(),
                                      delete_roles=frozenset()),
    "windows.competitionscore": Rule(reference=True, view_roles=NOT_FIELD, change_roles=frozenset(),
                                     delete_roles=frozenset()),
    "windows.competitionevent": Rule(reference=True, view_roles=NOT_FIELD, change_roles=frozenset(),
                                     delete_roles=frozenset()),
    # -- volunteer service (志愿服务, wenming.volunteers) ----------------------------------------------------------
    # Organisations, activities and their records follow the organisation's (or the activity's) area and host unit;
    # volunteers' personal data is the organisers' only. Written only through wenming.volunteers.services; the
    # volunteers themselves reach their own rows through their phone-verified session, not this table.
    "volunteers.organisation": Rule(view_roles=NOT_FIELD, change_roles=VOLUNTEER_ORGANISERS,
                                    area_lookups=("area_path",), unit_lookups=("unit__path",)),
    **{label: Rule(view_roles=VOLUNTEER_ORGANISERS, change_roles=frozenset(), delete_roles=frozenset(),
                   area_lookups=(f"{prefix}area_path",), unit_lookups=(f"{prefix}unit__path",), distinct=distinct)
       for label, prefix, distinct in (("volunteers.team", "organisation__", False),
                                       ("volunteers.membership", "organisation__", False),
                                       ("volunteers.project", "organisation__", False),
                                       ("volunteers.volunteer", "memberships__organisation__", True),
                                       ("volunteers.dailyhours", "organisation__", False))},
    **{label: Rule(view_roles=VOLUNTEER_ORGANISERS, change_roles=frozenset(), delete_roles=frozenset(),
                   area_lookups=(f"{prefix}area_path", f"{prefix}organisation__area_path"),
                   unit_lookups=(f"{prefix}organisation__unit__path",))
       for label, prefix in (("volunteers.activity", ""), ("volunteers.activitycase", "activity__"),
                             ("volunteers.signup", "activity__"), ("volunteers.checkin", "signup__activity__"),
                             ("volunteers.servicerecord", "activity__"),
                             ("volunteers.hourscorrection", "record__activity__"),
                             ("volunteers.volunteerevent", "activity__"))},
    # The credit network (信用信息"一张网"): sources, measures and subjects are read by every office role (a natural
    # person's subject only by the office and keepers: the person's records name them); a record is its
    # department's (the source's owner unit and the units below it) and the command centre's; other office roles
    # read the published ones through credit.selectors (``record_rows``). Logs are append-only; written only
    # through wenming.credit.services.
    "credit.creditsource": Rule(reference=True, view_roles=CREDIT_READERS, delete_roles=frozenset()),
    "credit.creditsubject": Rule(reference=True, view_roles=CREDIT_READERS, change_roles=frozenset(),
                                 delete_roles=frozenset(),
                                 limits=(RowLimit(Q(kind="person"), CREDIT_KEEPERS | CREDIT_OFFICE),)),
    "credit.creditrecord": Rule(view_roles=CREDIT_READERS, change_roles=frozenset(), delete_roles=frozenset(),
                                unit_lookups=("source__owner_unit__path",), sees_all=CREDIT_OFFICE),
    "credit.creditimport": Rule(view_roles=CREDIT_KEEPERS | CREDIT_OFFICE, change_roles=frozenset(),
                                delete_roles=frozenset(), unit_lookups=("source__owner_unit__path",),
                                sees_all=CREDIT_OFFICE),
    "credit.creditevent": Rule(view_roles=CREDIT_KEEPERS | CREDIT_OFFICE, change_roles=frozenset(),
                               delete_roles=frozenset(), unit_lookups=("source__owner_unit__path",),
                               sees_all=CREDIT_OFFICE),
    "credit.jointmeasure": Rule(reference=True, view_roles=CREDIT_READERS, delete_roles=frozenset()),
    "credit.jointack": Rule(view_roles=CREDIT_READERS, change_roles=frozenset(), delete_roles=frozenset(),
                            unit_lookups=("measure__unit__path",), sees_all=CREDIT_OFFICE),
    "credit.creditquerylog": Rule(reference=True, view_roles=ADMIN_ONLY, change_roles=frozenset(),
                                  delete_roles=frozenset()),
}


def scope_for(user) -> Scope:
    """The person's scope, computed once per request (cached on the user object)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope()
    cached = getattr(user, "_wenming_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(roles=ADMIN_ONLY, everything=True)
    else:
        held, area_paths, unit_paths, jurisdiction_paths, everything = set(), set(), set(), set(), False
        # Only paths and parents are needed: leave the areas' geometry behind (the city's outline is large, and this
        # runs on every request).
        assignments = user.roles.select_related("area", "unit", "unit__area").defer("area__geometry", "unit__area__geometry")
        for assignment in assignments:
            held.add(assignment.role)
            if assignment.area_id:
                # A role held for the whole city (the root area) sees the whole city: city departments and rows
                # no area holds included. Which kinds of rows a role sees at all is still up to ``Rule.view_roles``.
                if assignment.area.parent_id is None:
                    everything = True
                area_paths.add(assignment.area.path)
            if assignment.unit_id:
                unit_paths.add(assignment.unit.path)
                if assignment.unit.area_id:
                    jurisdiction_paths.add(assignment.unit.area.path)
        scope = Scope(
            roles=frozenset(held),
            everything=everything,
            area_paths=tuple(sorted(area_paths)),
            unit_paths=tuple(sorted(unit_paths)),
            jurisdiction_paths=tuple(sorted(jurisdiction_paths)),
        )
    user._wenming_scope = scope
    return scope


def rule_for(model: type[Model]) -> Rule:
    key = model._meta.label_lower
    try:
        return RULES[key]
    except KeyError:
        raise LookupError(f"no access rule for {key}: add one to wenming.common.access.RULES") from None


def can(user, model: type[Model], action: str = VIEW) -> bool:
    """May this person do ``action`` on this kind of object at all (before looking at scope)?"""
    scope = scope_for(user)
    if user is not None and getattr(user, "is_superuser", False) and user.is_active:
        return True
    rule = rule_for(model)
    allowed = {VIEW: rule.view_roles, DELETE: rule.delete_roles}.get(action, rule.change_roles)
    return bool(scope.roles & allowed)


def restrict(queryset: QuerySet, user, action: str = VIEW, *, reported: bool = True) -> QuerySet:
    """The rows of ``queryset`` this person may see (or change).

    Nothing when the role may not see the model at all (``Rule.view_roles``/``change_roles``); otherwise the rows
    without a ``Rule.limits`` condition the person holds no role for, then those within the person's scope (all
    of them for reference data and city-wide roles), and, to see (``VIEW``), the rows they reported
    (``Rule.reporter_lookups``) unless ``reported`` is false (a workflow's lock: see ``locked_in_scope``).
    """
    if not can(user, queryset.model, action):
        return queryset.none()
    scope = scope_for(user)
    rule = rule_for(queryset.model)
    for limit in rule.limits:
        if not scope.roles & limit.roles:
            queryset = queryset.exclude(limit.rows)
    if scope.everything or rule.reference or scope.roles & rule.sees_all:
        return queryset
    area_paths = scope.area_paths + (scope.jurisdiction_paths if rule.jurisdiction else ())
    conditions = [Q(**{f"{lookup}__startswith": path}) for lookup in rule.area_lookups for path in area_paths]
    conditions += [Q(**{f"{lookup}__startswith": path}) for lookup in rule.unit_lookups for path in scope.unit_paths]
    if reported and action == VIEW and scope.roles:
        conditions += [Q(**{lookup: user.pk}) for lookup in rule.reporter_lookups]
    if not conditions:
        return queryset.none()
    restricted = queryset.filter(reduce(or_, conditions))
    return restricted.distinct() if rule.distinct else restricted


def get_or_404(queryset: QuerySet, user, action: str = VIEW, **lookup):
    """One object in scope, else 404: out of scope answers exactly like missing."""
    try:
        return restrict(queryset, user, action).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def locked_in_scope(queryset: QuerySet, user, pk, action: str = VIEW):
    """The row ``pk`` in the person's scope, locked (SELECT … FOR UPDATE) until the transaction ends.

    The one way a workflow takes its lock: a single query with the scope in it, so a row out of scope is neither
    found nor locked (``DoesNotExist``, as if missing) and every workflow locks in the same order. Only the row
    itself is locked, not the rows its scope joins through. The role the step needs is the service's to check:
    ``VIEW`` here, since a rule's change roles are the admin screens'. A row the person reported outside their scope
    is theirs to see, not to act on: it is not found here.
    """
    scoped = restrict(queryset, user, action, reported=False)
    if scoped.query.distinct:  # PostgreSQL refuses FOR UPDATE with DISTINCT: lock the row among the distinct ids
        scoped = queryset.filter(pk__in=scoped.values("pk"))
    return scoped.select_for_update(of=("self",)).get(pk=pk)
