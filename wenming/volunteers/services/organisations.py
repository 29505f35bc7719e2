"""Organisations, projects and teams after creation: edit an organisation (name, host, area, real-name rule) or a
project (name, theme), create and rename an organisation's teams, put a member in a team or take them out. Who may:
the organisers who may create them (``VOLUNTEER_ORGANISERS``) with the organisation in their scope. Each step locks
its row through the scoped queryset (out of scope is "missing": ``DoesNotExist``), checks, changes and appends its
``VolunteerEvent`` in one transaction; organisation and project edits refuse a stale version."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.common.access import CHANGE, VIEW, locked_in_scope, restrict
from wenming.common.input import strip_controls
from wenming.org.models import Area
from wenming.volunteers.errors import StaleRecord, VolunteerError
from wenming.volunteers.models import EventAction, HostKind, Membership, Organisation, Project, Team, Theme

from .activities import _organiser
from .events import event_append

NAME_MAX = 100


def _name(raw: str, *, empty: str) -> str:
    name = strip_controls(raw or "").strip()
    if not name:
        raise VolunteerError(empty)
    if len(name) > NAME_MAX:
        raise VolunteerError(_("Name: at most %(max)d characters.") % {"max": NAME_MAX})
    return name


def organisation_update(*, actor, organisation_id: int, expected_version: int, name: str, host_kind: str,
                        area_id: int, requires_real_name: bool, now: dt.datetime | None = None) -> Organisation:
    """Edit an organisation of the actor's scope. Its host unit and site stay (they carry the unit's scope); the new
    area must lie in the actor's scope too. Its activities keep their own place and area."""
    _organiser(actor)
    now = now or timezone.now()
    name = _name(name, empty=_("Name: enter the organisation's name."))
    if host_kind not in HostKind.values:
        raise VolunteerError(_("Host: choose one from the list."))
    area = restrict(Area.objects.defer("geometry"), actor, VIEW).filter(pk=area_id).first()
    if area is None:
        raise VolunteerError(_("Area: choose an area of your scope."))
    with transaction.atomic():
        organisation = locked_in_scope(Organisation.objects.all(), actor, organisation_id, action=CHANGE)
        if organisation.version != expected_version:
            raise StaleRecord(_("Someone changed this organisation meanwhile: reload the page and try again."))
        if Organisation.objects.filter(name=name).exclude(pk=organisation.pk).exists():
            raise VolunteerError(_("Name: an organisation of this name exists already."))
        before = {"name": organisation.name, "host_kind": organisation.host_kind, "area": organisation.area_id,
                  "requires_real_name": organisation.requires_real_name}
        after = {"name": name, "host_kind": host_kind, "area": area.pk, "requires_real_name": requires_real_name}
        changed = {key: [before[key], value] for key, value in after.items() if before[key] != value}
        if not changed:
            return organisation  # nothing to change: no version raised, no event
        organisation.name, organisation.host_kind, organisation.requires_real_name = name, host_kind, requires_real_name
        organisation.area, organisation.area_path = area, area.path
        organisation.version += 1
        try:
            with transaction.atomic():  # a name taken by a concurrent edit meets the unique constraint
                organisation.save(update_fields=["name", "host_kind", "area", "area_path", "requires_real_name",
                                                 "version"])
        except IntegrityError:
            raise VolunteerError(_("Name: an organisation of this name exists already.")) from None
        event_append(action=EventAction.ORGANISATION_UPDATED, at=now, actor=actor,
                     data={"organisation": organisation.pk, "changed": changed})
    return organisation


def project_update(*, actor, project_id: int, expected_version: int, name: str, theme: str,
                   now: dt.datetime | None = None) -> Project:
    """Rename a project or change its theme. Activities already created keep the theme they were given, and so do
    their records and the statistics: a theme counts what was done under it."""
    _organiser(actor)
    now = now or timezone.now()
    name = _name(name, empty=_("Name: enter the project's name."))
    if theme not in Theme.values:
        raise VolunteerError(_("Theme: choose one from the list."))
    with transaction.atomic():
        project = locked_in_scope(
            Project.objects.filter(organisation__in=restrict(Organisation.objects.all(), actor, CHANGE)),
            actor, project_id)
        if project.version != expected_version:
            raise StaleRecord(_("Someone changed this project meanwhile: reload the page and try again."))
        changed = {key: [old, new] for key, old, new in (("name", project.name, name),
                                                          ("theme", project.theme, theme)) if old != new}
        if not changed:
            return project
        project.name, project.theme = name, theme
        project.version += 1
        project.save(update_fields=["name", "theme", "version"])
        event_append(action=EventAction.PROJECT_UPDATED, at=now, actor=actor,
                     data={"organisation": project.organisation_id, "project": project.pk, "changed": changed})
    return project


def _team_name_free(*, organisation_id: int, name: str, exclude: int | None = None) -> None:
    teams = Team.objects.filter(organisation_id=organisation_id, name=name)
    if exclude is not None:
        teams = teams.exclude(pk=exclude)
    if teams.exists():
        raise VolunteerError(_("Team name: this organisation has a team “%(name)s” already.") % {"name": name})


def team_create(*, actor, organisation_id: int, name: str, now: dt.datetime | None = None) -> Team:
    """A new team of an organisation of the actor's scope; names are unique within the organisation. The
    organisation's row is locked, so two people adding the same name meet here, not on the constraint."""
    _organiser(actor)
    now = now or timezone.now()
    name = _name(name, empty=_("Team name: enter the team's name."))
    with transaction.atomic():
        organisation = locked_in_scope(Organisation.objects.all(), actor, organisation_id, action=CHANGE)
        _team_name_free(organisation_id=organisation.pk, name=name)
        team = Team.objects.create(organisation=organisation, name=name)
        event_append(action=EventAction.TEAM_CREATED, at=now, actor=actor,
                     data={"organisation": organisation.pk, "team": team.pk, "name": name})
    return team


def team_rename(*, actor, team_id: int, name: str, now: dt.datetime | None = None) -> Team:
    _organiser(actor)
    now = now or timezone.now()
    name = _name(name, empty=_("Team name: enter the team's name."))
    with transaction.atomic():
        team = locked_in_scope(Team.objects.all(), actor, team_id)
        # The organisation's lock serialises renames and creations of its teams (the uniqueness check).
        locked_in_scope(Organisation.objects.all(), actor, team.organisation_id, action=CHANGE)
        if team.name == name:
            return team
        _team_name_free(organisation_id=team.organisation_id, name=name, exclude=team.pk)
        old = team.name
        team.name = name
        team.save(update_fields=["name"])
        event_append(action=EventAction.TEAM_RENAMED, at=now, actor=actor,
                     data={"organisation": team.organisation_id, "team": team.pk, "name": [old, name]})
    return team


def membership_team_set(*, actor, membership_id: int, team_id: int | None,
                        now: dt.datetime | None = None) -> Membership:
    """Put a member of an organisation in one of its teams (``team_id``), or take them out of their team (None)."""
    _organiser(actor)
    now = now or timezone.now()
    with transaction.atomic():
        membership = locked_in_scope(Membership.objects.all(), actor, membership_id)
        team = None
        if team_id is not None:
            team = Team.objects.filter(pk=team_id, organisation_id=membership.organisation_id).first()
            if team is None:
                raise VolunteerError(_("Team: choose a team of this member's organisation."))
        if membership.team_id == (team.pk if team else None):
            return membership
        old = membership.team_id
        membership.team = team
        membership.save(update_fields=["team"])
        event_append(action=EventAction.MEMBERSHIP_TEAM_SET, at=now, actor=actor, volunteer_id=membership.volunteer_id,
                     data={"organisation": membership.organisation_id, "team": [old, membership.team_id]})
    return membership
